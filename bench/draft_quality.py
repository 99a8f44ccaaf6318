"""How good the drafts read: `python bench/draft_quality.py [--fake | --base-url URL --model NAME] [--seed N]`.

Renders the first email and each follow-up step (every purpose of the template store but the clarifying
question) for all demo leads (fixtures/demo_leads.csv) from the team's templates, and, where an LLM server is
given, has `outreach.llm_drafting.write` write the same steps for the first --llm-leads leads. It prints, per
path and step:

- the share passing the compliance lint (`outreach.compliance.lint`: what blocks approval), and the share
  also passing the grammar-shape check (`outreach.wording.shape_problems`);
- the median length of the body in words;
- for the LLM: the share where the fact check caught a number or proper noun the inputs do not hold (the
  template is used instead), and the share that fell back for any other reason;

then 10 drafts picked at random (seeded: --seed) in full, for a person to read.

Without --fake or --base-url it renders templates only. `--fake` starts the tests' fake OpenAI server
(scoring/tests/fake_openai.py; for CI). A real server: `../shared/peers/start-llm.sh` serves qwen15 on
http://127.0.0.1:8181/v1. The database is --database-url (default
postgres://postgres@127.0.0.1:5432/leadops_draftbench), created and migrated if missing; leads are not saved.
"""

import argparse
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@dataclass
class Draft:
    path: str  # "template" or "llm"
    step: str
    lead: str
    subject: str
    body: str
    lint_ok: bool
    shape_ok: bool


def setup(database_url: str, base_url: str, model: str) -> None:
    from bench.import_bench import prepare_database

    prepare_database(database_url)
    os.environ.update({
        "DATABASE_URL": database_url, "REDIS_URL": "", "SECRET_KEY": "bench-only-secret-key-not-for-production-use",
        "LLM_PROVIDER": "openai" if base_url else "none", "OPENAI_BASE_URL": base_url or "http://127.0.0.1:9/v1",
        "OPENAI_API_KEY": "bench", "LLM_MODEL": model, "WEB_ENRICHMENT": "false", "LOG_LEVEL": "WARNING",
        "DEBUG": "false", "INBOUND_EMAIL_SECRET": "bench", "CELERY_TASK_ALWAYS_EAGER": "true",
    })
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadops.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def steps() -> list[str]:
    from outreach import template_store
    from outreach.models import EmailTemplate

    template_store.ensure_seeded()
    purposes = set(EmailTemplate.objects.filter(is_active=True).values_list("purpose", flat=True))
    return [purpose for purpose in EmailTemplate.Purpose.values
            if purpose in purposes and purpose != EmailTemplate.Purpose.CLARIFYING_QUESTION]


def checked(path: str, step: str, lead, subject: str, body: str, template_text: str) -> Draft:  # type: ignore[no-untyped-def]
    from outreach import compliance
    from outreach.wording import shape_problems

    lint = compliance.lint(subject, body, compliance.footer_for(lead.email or "someone@example.com"), lead=lead)
    shape = shape_problems(subject, body, lead=lead, template_text=template_text)
    return Draft(path, step, f"{lead.first_name} {lead.last_name} ({lead.source or 'no source'})".strip(),
                 subject, body, lint.ok, lint.ok and not shape)


def run(llm_leads: int) -> tuple[list[Draft], dict[str, dict[str, int]], float]:
    from leadops import llm
    from outreach import drafting, llm_drafting, template_store
    from outreach.tests.lead_sets import demo_leads

    leads, names = demo_leads(), steps()
    drafts, fallbacks = [], {}
    started = time.monotonic()
    for number, lead in enumerate(leads):
        for step in names:
            template = template_store.choose(step, lead)
            rendered = drafting.render_template(lead, template)
            text = f"{template.subject}\n{template.body}"
            drafts.append(checked("template", step, lead, rendered.subject, rendered.body, text))
            if number >= llm_leads or not llm.enabled():
                continue
            written = llm_drafting.write(lead, rendered)
            counts = fallbacks.setdefault(step, {"asked": 0, "fact_check": 0, "other": 0})
            counts["asked"] += 1
            if written.email is None:
                counts["fact_check" if written.unsupported else "other"] += 1
                continue
            drafts.append(checked("llm", step, lead, written.email.subject, written.email.body, text))
    return drafts, fallbacks, time.monotonic() - started


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f} %" if whole else "    -  "


def report(drafts: list[Draft], fallbacks: dict[str, dict[str, int]], seed: int, elapsed: float) -> None:
    leads = len({draft.lead for draft in drafts if draft.path == "template"})
    print(f"{len(drafts)} drafts for {leads} demo leads in {elapsed:.1f} s")
    print(f"{'path':9} {'step':20} {'drafts':>6} {'lint ok':>8} {'+ shape':>8} {'median words':>12} "
          f"{'fact check caught':>17} {'other fallback':>14}")
    order = list(dict.fromkeys(draft.step for draft in drafts))
    for path in ("template", "llm"):
        for step in order:
            rows = [draft for draft in drafts if draft.path == path and draft.step == step]
            counts = fallbacks.get(step, {}) if path == "llm" else {}
            if not rows and not counts:
                continue
            words = statistics.median(len(draft.body.split()) for draft in rows) if rows else 0
            asked = counts.get("asked", 0)
            print(f"{path:9} {step:20} {len(rows):6d} {share(sum(d.lint_ok for d in rows), len(rows)):>8} "
                  f"{share(sum(d.shape_ok for d in rows), len(rows)):>8} {words:12.0f} "
                  f"{share(counts.get('fact_check', 0), asked) if path == 'llm' else '':>17} "
                  f"{share(counts.get('other', 0), asked) if path == 'llm' else '':>14}")
    for path in ("template", "llm"):
        rows = [draft for draft in drafts if draft.path == path]
        if rows:
            print(f"{path}: {share(sum(d.lint_ok for d in rows), len(rows)).strip()} pass the lint, "
                  f"{share(sum(d.shape_ok for d in rows), len(rows)).strip()} also the shape check")
    if not fallbacks:
        print("LLM: not configured (template only; --fake or --base-url to include it)")
    picked = random.Random(seed).sample(drafts, min(10, len(drafts)))
    print(f"\n10 drafts at random (--seed {seed}):")
    for number, draft in enumerate(picked, start=1):
        flags = "" if draft.shape_ok else "  [lint]" if not draft.lint_ok else "  [shape]"
        print(f"\n--- {number}. {draft.step} by {draft.path} for {draft.lead}{flags}\nSubject: {draft.subject}\n\n"
              f"{draft.body}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fake", action="store_true", help="the tests' fake OpenAI server (CI)")
    parser.add_argument("--base-url", default="", help="an OpenAI-compatible server, e.g. http://127.0.0.1:8181/v1")
    parser.add_argument("--model", default="qwen15")
    parser.add_argument("--llm-leads", type=int, default=20, help="how many demo leads the LLM writes for")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/leadops_draftbench")
    arguments = parser.parse_args()
    fake, base_url = None, arguments.base_url
    if arguments.fake:
        from scoring.tests.fake_openai import FakeOpenAI

        fake = FakeOpenAI().start()
        base_url, arguments.model = fake.base_url, "fake-model"
    setup(arguments.database_url, base_url, arguments.model)
    print(f"LLM: {arguments.model} at {base_url}" if base_url else "LLM: none", flush=True)
    drafts, fallbacks, elapsed = run(arguments.llm_leads)
    report(drafts, fallbacks, arguments.seed, elapsed)
    if fake is not None:
        fake.stop()


if __name__ == "__main__":
    main()
