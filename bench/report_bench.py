"""Report pages at a million leads: `python bench/report_bench.py [--leads N] [--activities M] [--seconds S]`.

Loads N synthetic leads (default 1,000,000) with ui_bench's COPY loader, then, set-based in PostgreSQL
(INSERT ... SELECT over the leads, seconds rather than a Python loop), the history the reports read:
enrolments in the default sequence for the contacted leads, their sent step emails (step 1 split between two
templates, an A/B test), approved and rejected drafts with reps' edits, pipeline runs with LLM use and cost,
outcomes, failing webhook deliveries, open and click events, and timeline rows up to M (default 2,000,000):
arrival, scoring, status changes, replies by intent and bounces tied to the emails they answer, errors.

It then does what beat does, computing every report for every preset period (timed per report: the work
console.tasks.refresh_reports repeats every 4 minutes), keeps doing so in a thread while the pages are
measured, serves the app with gunicorn as ui_bench does and drives each report page (default period and
the 12-month one), a CSV export and the report emails page with C concurrent clients (default 8) for S seconds.
Prints p50/p99 per page and errors. Target: p99 < 500 ms on every page with 0 errors.

The database is leadops_reports_bench on 127.0.0.1 (DATABASE_URL overrides), reloaded only when the counts
differ; REDIS_URL defaults to redis://127.0.0.1:6379/4. EMAIL_TRACKING is on, so the sequence report counts
opens and clicks too (its most expensive form).
"""

import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ui_bench import arguments_parser, drive, fetch_once, log_in, prepare, serve, server_cpu_seconds

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/leadops_reports_bench"
GOAL_MS = 500.0
# When a step's email went out: its working-day waits from the start, summed over the steps up to it (about
# 1.4 calendar days a working day).
STEP_OFFSET = ("((SELECT sum(p.wait_business_days) FROM outreach_sequencestep p WHERE p.sequence_id = s.sequence_id "
               "AND p.position <= s.position) * 1.4 || ' days')::interval")


def _defaults(cursor, table: str, known: dict[str, str]) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """(column list, SELECT expressions) for an INSERT ... SELECT filling every column of `table`: `known` SQL
    expressions where given, else what the app stores for an unset field ('' / false / {} / NULL)."""
    columns = cursor.execute(
        "SELECT column_name, data_type, is_nullable, column_default, is_identity FROM information_schema.columns "
        "WHERE table_name = %s ORDER BY ordinal_position", [table]).fetchall()
    names, values = [], []
    for name, data_type, nullable, default, identity in columns:
        if name in known:
            names.append(f'"{name}"')
            values.append(known[name])
        elif identity == "YES" or (default and "nextval" in default):
            continue  # the id
        elif nullable != "YES":
            names.append(f'"{name}"')
            values.append({"boolean": "false", "jsonb": "'{}'::jsonb", "integer": "0", "smallint": "0",
                           "bigint": "0", "numeric": "0", "double precision": "0"}.get(data_type, "''"))
    return ", ".join(names), ", ".join(values)


def insert_select(cursor, table: str, known: dict[str, str], source: str) -> int:  # type: ignore[no-untyped-def]
    names, values = _defaults(cursor, table, known)
    cursor.execute(f"INSERT INTO {table} ({names}) SELECT {values} {source}")
    return cursor.rowcount


def load_history(url: str, activities: int) -> None:
    """The rows the reports read, made from the leads already loaded; see the module docstring."""
    import psycopg

    started = time.monotonic()
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute("TRUNCATE outreach_enrollment, outreach_trackingevent, scoring_trace, leads_feedback, "
                       "webhooks_delivery, webhooks_endpoint CASCADE")
        cursor.execute("DELETE FROM outreach_emaildraft WHERE state <> 'draft'")
        cursor.execute("DELETE FROM leads_activitylog")
        sequence = cursor.execute("SELECT id FROM outreach_sequence WHERE is_default").fetchone()[0]
        contacted = "l.status IN ('CONTACTED', 'MEETING_BOOKED', 'CLOSED_WON', 'CLOSED_LOST')"
        count = insert_select(cursor, "outreach_enrollment", {
            "lead_id": "l.id", "sequence_id": str(sequence),
            "status": "CASE WHEN l.status = 'CONTACTED' AND random() < 0.3 THEN 'active' "
                      "WHEN random() < 0.5 THEN 'finished' ELSE 'stopped' END",
            "started_at": "l.created_at + interval '1 hour'",
            "last_step_position": "1 + (abs(hashtext(l.id::text)) % 4)",
            "stop_reason": "CASE WHEN l.status = 'MEETING_BOOKED' THEN 'booked demo' WHEN random() < 0.1 "
                           "THEN 'opted out (unsubscribe link)' ELSE 'replied (interested)' END",
            "stopped_at": "l.created_at + interval '9 days'", "created_at": "l.created_at",
            "updated_at": "l.created_at + interval '9 days'"}, f"FROM leads_lead l WHERE {contacted}")
        cursor.execute("UPDATE outreach_enrollment SET stop_reason = '', stopped_at = NULL WHERE status <> 'stopped'")
        print(f"  {count:,} enrolments", flush=True)
        count = insert_select(cursor, "outreach_emaildraft", {
            "id": "gen_random_uuid()", "lead_id": "e.lead_id", "variant": "s.variant", "state": "'sent'",
            "subject": "'Quick idea'", "body": "'Hi,\n\nA short note about your inbound leads.\n'",
            "original_subject": "'Quick idea'", "original_body": "'Hi,\n\nA short note about your inbound leads.\n'",
            "generated_by": "CASE WHEN random() < 0.4 THEN 'llm' ELSE 'template' END",
            "drafted_by": "CASE WHEN random() < 0.4 THEN 'llm' ELSE 'template' END",
            "template_key": "CASE WHEN s.position = 1 THEN (CASE WHEN random() < 0.5 THEN 'first_touch_a' "
                            "ELSE 'first_touch_b' END) ELSE s.variant END",
            "words_changed": "CASE WHEN random() < 0.3 THEN (random() * 40)::int ELSE 0 END",
            "sequence_step_id": "s.id", "enrollment_id": "e.id", "lint": "'{}'::jsonb",
            "approved_at": f"e.started_at + {STEP_OFFSET}",
            "sent_at": f"e.started_at + {STEP_OFFSET} + interval '10 minutes'",
            "created_at": f"e.started_at + {STEP_OFFSET} - interval '1 hour'",
            "updated_at": f"e.started_at + {STEP_OFFSET}"},
            "FROM outreach_enrollment e JOIN outreach_sequencestep s ON s.sequence_id = e.sequence_id "
            "AND s.position <= e.last_step_position")
        count += insert_select(cursor, "outreach_emaildraft", {
            "id": "gen_random_uuid()", "lead_id": "l.id", "variant": "'first_touch'", "state": "'rejected'",
            "subject": "'Quick idea'", "body": "'Hi,\n\nA note.\n'", "drafted_by": "'template'",
            "template_key": "'first_touch_a'", "lint": "'{}'::jsonb",
            "rejection_reason": "(ARRAY['Wrong company name', 'Too pushy', 'Not our market', ''])[1 + "
                                "abs(hashtext(l.id::text)) % 4]",
            "created_at": "l.created_at", "updated_at": "l.created_at + interval '2 hours'"},
            "FROM leads_lead l WHERE l.status = 'DISQUALIFIED'")
        print(f"  {count:,} sent and rejected emails", flush=True)
        count = insert_select(cursor, "scoring_trace", {
            "lead_id": "l.id", "run_id": "gen_random_uuid()", "status": "'ok'", "node_events": "'[]'::jsonb",
            "llm_inputs": "'[]'::jsonb", "llm_outputs": "'[]'::jsonb", "used_llm": "random() < 0.5",
            "fell_back": "random() < 0.05", "prompt_tokens": "800", "completion_tokens": "200",
            "cost_usd": "0.00024", "duration_ms": "400 + random() * 2000", "created_at": "l.created_at"},
            "FROM leads_lead l WHERE l.score_label <> '' AND abs(hashtext(l.id::text)) % 3 = 0")
        print(f"  {count:,} pipeline runs", flush=True)
        insert_select(cursor, "leads_feedback", {
            "lead_id": "l.id",
            "outcome": "CASE l.status WHEN 'MEETING_BOOKED' THEN 'booked_demo' WHEN 'CLOSED_WON' THEN 'closed_won' "
                       "WHEN 'CLOSED_LOST' THEN 'closed_lost' ELSE 'no_response' END",
            "created_at": "l.created_at + interval '20 days'"},
            "FROM leads_lead l WHERE l.status IN ('MEETING_BOOKED', 'CLOSED_WON', 'CLOSED_LOST') "
            "OR (l.status = 'CONTACTED' AND random() < 0.3)")
        cursor.execute("INSERT INTO webhooks_endpoint (url, events, secret, is_active, created_at, updated_at) "
                       "VALUES ('https://crm.example.com/hook', '[\"lead.created\"]', 'bench', true, now(), now()) "
                       "RETURNING id")
        endpoint = cursor.fetchone()[0]
        insert_select(cursor, "webhooks_delivery", {
            "endpoint_id": str(endpoint), "event_id": "gen_random_uuid()", "event": "'lead.created'",
            "body": "'{}'::jsonb", "state": "CASE WHEN n % 10 = 0 THEN 'failed' ELSE 'delivered' END",
            "attempts": "1 + n % 8", "next_attempt_at": "now()", "retry_until": "now()",
            "last_error": "CASE WHEN n % 10 = 0 THEN 'HTTP 500 from the receiver' ELSE '' END",
            "created_at": "now() - (n || ' minutes')::interval", "updated_at": "now() - (n || ' minutes')::interval"},
            "FROM generate_series(1, 20000) AS n")
        insert_select(cursor, "outreach_trackingevent", {
            "draft_id": "d.id", "kind": "CASE WHEN random() < 0.7 THEN 'open' ELSE 'click' END",
            "counted": "random() < 0.8", "created_at": "d.sent_at + interval '3 hours'"},
            "FROM outreach_emaildraft d WHERE d.state = 'sent' AND random() < 0.4")
        # The timeline, up to `activities` rows: replies and bounces answer a sent email, in proportion.
        answers = insert_select(cursor, "leads_activitylog", {
            "lead_id": "d.lead_id", "type": "CASE WHEN random() < 0.9 THEN 'REPLY_RECEIVED' ELSE 'BOUNCED' END",
            "payload": "jsonb_build_object('draft', d.id::text, 'classification', (ARRAY['interested', 'not_now', "
                       "'wrong_person', 'out_of_office', 'other'])[1 + abs(hashtext(d.id::text)) % 5])",
            "actor_label": "'system'", "created_at": "d.sent_at + interval '1 day'"},
            "FROM outreach_emaildraft d WHERE d.state = 'sent' AND random() < 0.25")
        changes = insert_select(cursor, "leads_activitylog", {
            "lead_id": "l.id", "type": "'STATUS_CHANGED'",
            "payload": "jsonb_build_object('from', 'NEW', 'to', l.status)", "actor_label": "'system'",
            "created_at": "l.created_at + interval '2 days'"}, "FROM leads_lead l WHERE l.status <> 'NEW'")
        errors = insert_select(cursor, "leads_activitylog", {
            "lead_id": "l.id", "type": "'ERROR'", "payload": "jsonb_build_object('error', 'Enrichment timed out')",
            "actor_label": "'pipeline'", "created_at": "l.created_at"},
            "FROM leads_lead l WHERE abs(hashtext(l.id::text)) % 500 = 0")
        rest = max(activities - answers - changes - errors, 0)
        insert_select(cursor, "leads_activitylog", {
            "lead_id": "l.id", "type": "CASE WHEN n = 0 THEN 'INGESTED' ELSE 'SCORED' END",
            "payload": "'{}'::jsonb", "actor_label": "'pipeline'",
            "created_at": "l.created_at + (n || ' seconds')::interval"},
            f"FROM (SELECT id, created_at FROM leads_lead ORDER BY created_at DESC) l "
            f"CROSS JOIN generate_series(0, {max(rest // 1_000_000, 1)}) AS n LIMIT {rest}")
        connection.commit()
    with psycopg.connect(url, autocommit=True) as connection:
        for table in ("leads_activitylog", "outreach_emaildraft", "outreach_enrollment", "scoring_trace",
                      "leads_feedback", "webhooks_delivery", "outreach_trackingevent"):
            connection.execute(f"VACUUM ANALYZE {table}")
    print(f"  history loaded in {time.monotonic() - started:.1f} s", flush=True)


def refresh_like_beat(stop: threading.Event) -> None:
    from django.db import connections

    from console.reports import snapshots

    while not stop.wait(240):
        snapshots.refresh_all()
        connections.close_all()


def main() -> None:
    parser = arguments_parser(__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=2_000_000)
    arguments = parser.parse_args()
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/4")
    os.environ["EMAIL_TRACKING"] = "true"
    prepare(arguments, os.environ.get("DATABASE_URL", DATABASE_URL))
    from django.db import connections

    from console.reports import snapshots
    from console.reports.periods import PRESETS
    from leads.models import ActivityLog

    if ActivityLog.objects.count() != arguments.activities or arguments.reload:
        print(f"Loading the reports' history ({arguments.activities:,} timeline rows)...", flush=True)
        load_history(os.environ["DATABASE_URL"], arguments.activities)
    print(f"\nBeat's refresh (every report for each of {len(PRESETS)} periods), seconds per report:", flush=True)
    for name in snapshots.REPORTS:
        started = time.monotonic()
        for period in PRESETS:
            snapshots.compute(name, period)
        print(f"  {name:12} {time.monotonic() - started:6.1f} s", flush=True)
    connections.close_all()
    stop = threading.Event()
    refresher = threading.Thread(target=refresh_like_beat, args=(stop,), daemon=True)
    refresher.start()

    server, port = serve(arguments)
    try:
        cookie = log_in(port, "bench-manager")
        pages = [(f"{name} ({period})", f"{path}?period={period}") for name, path in (
            ("agent performance", "/reports/"), ("sequences", "/reports/sequences/"),
            ("funnel and sources", "/reports/funnel/"), ("system health", "/reports/health/"))
            for period in ("30d", "365d")]
        pages += [("agent performance CSV", "/reports/agent.csv?period=30d"), ("report emails", "/reports/emails/")]
        print(f"\n{arguments.leads:,} leads · {ActivityLog.objects.count():,} timeline rows · {arguments.clients} "
              f"clients · {arguments.seconds:.0f} s per page\n")
        print(f"{'page':36} {'first ms':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'CPU ms/req':>11}")
        worst, failures = 0.0, 0
        for name, path in pages:
            first_ms, status = fetch_once(port, path, cookie)
            drive(port, path, cookie, arguments.clients, min(2.0, arguments.seconds))
            cpu_before = server_cpu_seconds(server.pid)
            result = drive(port, path, cookie, arguments.clients, arguments.seconds)
            cpu_ms = (server_cpu_seconds(server.pid) - cpu_before) * 1000 / max(result["requests"], 1)
            worst, failures = max(worst, result["p99"]), failures + result["errors"] + (status != 200)
            print(f"{name:36} {first_ms:9.1f} {result['rps']:8.1f} {result['p50']:8.1f} {result['p99']:8.1f} "
                  f"{result['errors']:7d} {cpu_ms:11.1f}", flush=True)
        verdict = "OK" if worst < GOAL_MS and failures == 0 else "MISSED"
        print(f"\nTarget p99 < {GOAL_MS:.0f} ms on every page with 0 errors: {verdict} (worst p99 {worst:.1f} ms, "
              f"{failures} errors; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=15)


if __name__ == "__main__":
    main()
