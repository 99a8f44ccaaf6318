"""Reading a rep's inbox: 10,000 messages in a real Dovecot, a poller killed mid-poll, and the restart.

A throw-away Dovecot (outreach/tests/dovecot.py: own config, port and user) gets N messages by IMAP
APPEND: replies to emails LeadOps sent (40%), bounces in the Gmail, Exchange, Postfix and qmail
layouts (15%), automatic replies (15%) and unrelated mail (30%). A first poller process is killed
(SIGKILL) once it has read a share of the folder; a second poll reads the rest. It prints messages
per second, the matched share, the duplicates after the restart (goal 0: any message acted on twice,
any message left unflagged) and the delay from delivery to a stopped sequence at the beat's default
poll interval.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/leadops_bench_mailbox \\
    .venv/bin/python bench/mailbox_bench.py --messages 10000

The database is created and migrated if needed; use a throw-away one (the bench adds leads).
"""

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadops.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-use")
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"

USER, PASSWORD = "rita@leadops.test", "bench-imap-secret"
BOUNCES = ("gmail_hard_bounce", "exchange_hard_bounce", "postfix_hard_bounce", "postfix_soft_bounce",
           "qmail_hard_bounce")
AUTO_REPLIES = ("gmail_vacation", "exchange_automatic_reply", "postfix_vacation")


def _ensure_database(url: str) -> None:
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = psycopg.connect(host=parsed.hostname, port=parsed.port or 5432, user=parsed.username or "postgres",
                            password=parsed.password, dbname="postgres", autocommit=True)
    with admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')


def _reply(message_id: str, address: str, index: int) -> bytes:
    return (f"From: Lead {index} <{address}>\r\nTo: {USER}\r\nSubject: Re: Lead routing at Company {index}\r\n"
            f"Message-ID: <reply-{index}-{uuid.uuid4().hex[:8]}@bench.test>\r\nIn-Reply-To: {message_id}\r\n"
            f"References: {message_id}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            f"Sounds good, let's talk on Tuesday.\r\n\r\nOn Mon, Rita Lopez <{USER}> wrote:\r\n> Hi,\r\n").encode()


def _unrelated(index: int) -> bytes:
    return (f"From: Digest <digest{index % 97}@news{index % 13}.example.org>\r\nTo: {USER}\r\n"
            f"Subject: Issue {index} of the weekly digest\r\nMessage-ID: <digest-{index}@news.example.org>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nTen links you may have missed.\r\n").encode()


def _prepare(count: int, run: str) -> tuple[int, list[bytes]]:
    """The mailbox row, the leads and their sent first touches, and the folder's messages (in order)."""
    from django.utils import timezone

    from leads.models import Lead
    from outreach import credentials
    from outreach.models import EmailDraft, Enrollment, Mailbox, Sequence
    from outreach.tests.mail import load

    mailbox = Mailbox.objects.create(name=f"Bench {run}", display_name="Rita Lopez", email=USER,
                                     imap_host="127.0.0.1", imap_port=int(os.environ["BENCH_IMAP_PORT"]),
                                     imap_security=Mailbox.Security.NONE, imap_username=USER,
                                     imap_secret=credentials.encrypt(PASSWORD))
    related = count * 70 // 100
    now = timezone.now()
    leads = Lead.objects.bulk_create(
        Lead(first_name=f"Lead{index}", email=f"lead-{run}-{index}@company{index}.example",
             company_name=f"Company {index}", status=Lead.Status.CONTACTED) for index in range(related))
    drafts = EmailDraft.objects.bulk_create(
        EmailDraft(lead=lead, subject=f"Lead routing at Company {index}", body="Hi", to_email=lead.email,
                   state=EmailDraft.State.SENT, sent_at=now, claimed_at=now, mailbox=mailbox,
                   message_id=f"<first-{run}-{index}@leadops.test>") for index, lead in enumerate(leads))
    sequence = (Sequence.objects.filter(is_default=True).first()
                or Sequence.objects.create(name="Bench", is_default=True))
    Enrollment.objects.bulk_create(Enrollment(lead=lead, sequence=sequence, next_due_at=now) for lead in leads)
    messages: list[bytes] = []
    for index in range(count):
        if index < related:
            draft = drafts[index]
            kind = index % 14  # 8 replies, 3 bounces, 3 automatic replies in every 14 related messages
            if kind < 8:
                messages.append(_reply(draft.message_id, draft.to_email, index))
            elif kind < 11:
                messages.append(load(BOUNCES[index % len(BOUNCES)], message_id=draft.message_id,
                                     recipient=draft.to_email, mailbox=USER))
            else:
                messages.append(load(AUTO_REPLIES[index % len(AUTO_REPLIES)], message_id=draft.message_id,
                                     recipient=draft.to_email, mailbox=USER))
        else:
            messages.append(_unrelated(index))
    # Interleaved as they would arrive, not in blocks of one kind.
    order = sorted(range(count), key=lambda index: (index * 7919) % count)
    return mailbox.pk, [messages[index] for index in order]


def _poller(mailbox_id: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, __file__, "--poll", str(mailbox_id)], cwd=ROOT, env=dict(os.environ),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _poll_only(mailbox_id: int) -> None:
    import django

    django.setup()
    from outreach import inbox

    inbox.poll(mailbox_id, time_budget=3600)


def main() -> None:  # noqa: PLR0915 (one linear script: set up, run, report)
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--kill-after", type=float, default=0.3, help="share of the folder read before the kill")
    parser.add_argument("--poll", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.poll:
        _poll_only(args.poll)
        return
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a throw-away PostgreSQL database.")
    _ensure_database(url)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)

    from outreach.tests.dovecot import Dovecot

    server = Dovecot({USER: PASSWORD})
    server.start()
    os.environ["BENCH_IMAP_PORT"] = str(server.port)
    try:
        _run(args, server)
    finally:
        server.stop()


def _run(args: argparse.Namespace, server) -> None:  # type: ignore[no-untyped-def]
    import django

    django.setup()
    from django.conf import settings
    from django.db.models import Count

    from leads.models import ActivityLog
    from outreach import inbox
    from outreach.models import Enrollment, InboundMessage, Mailbox

    run = uuid.uuid4().hex[:6]
    mailbox_id, messages = _prepare(args.messages, run)
    started = time.monotonic()
    client = server.client(USER)
    for raw in messages:
        client.append("INBOX", None, None, raw)
    client.logout()
    print(f"delivered {len(messages):,} messages by IMAP APPEND in {time.monotonic() - started:.1f} s")

    ledger = InboundMessage.objects.filter(mailbox_id=mailbox_id)
    first = _poller(mailbox_id)
    started = time.monotonic()
    while ledger.count() < args.messages * args.kill_after and first.poll() is None:
        time.sleep(0.2)
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed_at, read_before = time.monotonic() - started, ledger.count()
    print(f"first poller killed (SIGKILL) after {killed_at:.1f} s, {read_before:,} messages read")

    started, cpu_started = time.monotonic(), time.process_time()
    second = inbox.poll(mailbox_id, time_budget=3600)
    seconds, cpu = time.monotonic() - started, time.process_time() - cpu_started
    print(f"restarted poll: {second.read:,} read, {second.already_done:,} already done in {seconds:.1f} s: "
          f"{second.read / seconds:,.0f} messages/s, {cpu * 1000 / max(1, second.read):.1f} ms poller CPU a message")
    total_seconds = killed_at + seconds
    print(f"both polls: {ledger.count():,} messages in {total_seconds:.1f} s: "
          f"{ledger.count() / total_seconds:,.0f} messages/s")

    matched = ledger.filter(status=InboundMessage.Status.PROCESSED).count()
    unmatched = ledger.filter(status=InboundMessage.Status.UNMATCHED).count()
    failed = ledger.filter(status=InboundMessage.Status.FAILED).count()
    print(f"matched share: {matched / max(1, matched + unmatched):.1%} ({matched:,} matched, {unmatched:,} "
          f"unmatched, {failed:,} unreadable; 70.0% of the folder answers an email LeadOps sent)")

    acted_twice = (ActivityLog.objects.filter(type__in=(ActivityLog.Type.REPLY_RECEIVED, ActivityLog.Type.BOUNCED),
                                              payload__delivery__startswith=f"imap:{mailbox_id}:")
                   .values("payload__delivery").annotate(times=Count("id")).filter(times__gt=1).count())
    flags = server.flags(USER)
    unflagged = sum(1 for line in flags.values() if inbox.PROCESSED_FLAG.encode() not in line)
    print(f"duplicates after the restart mid-poll: {acted_twice} messages acted on twice, "
          f"{unflagged} of {len(flags):,} left unflagged on the server (goal 0)")

    # Delay: one reply delivered into the settled folder, read by the next poll.
    stopped = Enrollment.objects.filter(status=Enrollment.Status.STOPPED).count()
    active = (Enrollment.objects.filter(status=Enrollment.Status.ACTIVE, lead__email__contains=f"-{run}-")
              .select_related("lead").first())
    if active is not None:
        draft = active.lead.drafts.first()
        delivered = time.monotonic()
        server.deliver(USER, _reply(draft.message_id, draft.to_email, 999_999))
        inbox.poll(mailbox_id)
        latency = time.monotonic() - delivered
        active.refresh_from_db()
        interval = float(settings.CELERY_BEAT_SCHEDULE["outreach-poll-mailboxes"]["schedule"])
        print(f"delivery to stopped sequence: poll reads and acts in {latency:.2f} s; at the default {interval:.0f} s "
              f"poll interval, {interval / 2 + latency:.1f} s on average, at most {interval + latency:.1f} s "
              f"(sequence {active.get_status_display().lower()})")
    print(f"sequences stopped: {stopped:,}; mailbox last_uid {Mailbox.objects.get(pk=mailbox_id).last_uid:,}")


if __name__ == "__main__":
    main()
