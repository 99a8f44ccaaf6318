"""eval_pipeline [PATH]: run the pipeline on labelled cases and print per-case results and accuracy.

Each case (fixtures/eval_cases.json by default) gives lead fields and what should come out:
the label (one or several allowed), optionally a score range, the action and needs_approval.
Cases run inside a transaction that is rolled back, so nothing is left behind. The command
fails (exit status 1) unless every case passes.
"""

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from leads.models import Company, Lead
from outreach.models import Suppression
from scoring.pipeline import runner

DEFAULT_PATH = settings.BASE_DIR / "fixtures" / "eval_cases.json"


class _Rollback(Exception):
    pass


def run_case(case: dict[str, Any]) -> tuple[list[str], str]:
    """(problems, what came out) for one case; no problems means it passed."""
    outcome: dict[str, Any] = {}
    try:
        with transaction.atomic():
            for earlier in case.get("earlier_leads", []):
                fields = dict(earlier)
                domain = fields.pop("company_domain")
                company, _ = Company.objects.get_or_create(domain=domain)
                Lead.objects.create(company=company, **fields)
            for domain in case.get("suppressed", []):
                Suppression.objects.create(domain=domain, reason=Suppression.Reason.MANUAL)
            lead = Lead.objects.create(**case["lead"])
            runner.qualify([lead.pk])
            lead.refresh_from_db()
            outcome = {
                "label": lead.score_label,
                "score": lead.score_value,
                "action": lead.recommended_action,
                "needs_approval": lead.needs_approval,
                "reason": lead.decision_reason,
                "drafts": list(lead.drafts.values_list("variant", flat=True)),
            }
            raise _Rollback
    except _Rollback:
        pass
    expect = case["expect"]
    problems = []
    labels = expect["label"] if isinstance(expect["label"], list) else [expect["label"]]
    if outcome["label"] not in labels:
        problems.append(f"label {outcome['label']} not in {'/'.join(labels)}")
    if "score" in expect and not expect["score"][0] <= outcome["score"] <= expect["score"][1]:
        problems.append(f"score {outcome['score']} outside {expect['score'][0]}-{expect['score'][1]}")
    if outcome["action"] != expect["action"]:
        problems.append(f"action {outcome['action']}, expected {expect['action']}")
    if outcome["needs_approval"] != expect["needs_approval"]:
        problems.append(f"needs_approval {outcome['needs_approval']}, expected {expect['needs_approval']}")
    if "reason" in expect and expect["reason"] not in outcome["reason"]:
        problems.append(f"reason {outcome['reason']!r} does not contain {expect['reason']!r}")
    if "drafts" in expect and outcome["drafts"] != expect["drafts"]:
        problems.append(f"drafts {outcome['drafts']}, expected {expect['drafts']}")
    came_out = (
        f"{outcome['label']} {outcome['score']}, {outcome['action']}"
        f"{', needs approval' if outcome['needs_approval'] else ''}"
    )
    return problems, came_out


class Command(BaseCommand):
    help = "Run the qualification pipeline on labelled cases and print accuracy (must be 100%)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=str(DEFAULT_PATH), help="cases JSON file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        try:
            cases = json.loads(path.read_text(encoding="utf-8"))["cases"]
        except (OSError, ValueError, KeyError) as error:
            raise CommandError(f"Cannot read cases from {path}: {error}") from None
        passed = 0
        for number, case in enumerate(cases, start=1):
            problems, came_out = run_case(case)
            name = case.get("name", f"case {number}")
            if problems:
                self.stdout.write(f"FAIL {name}: {came_out} — {'; '.join(problems)}")
            else:
                passed += 1
                self.stdout.write(f"PASS {name}: {came_out}")
        accuracy = 100 * passed / len(cases) if cases else 0
        self.stdout.write(f"{passed}/{len(cases)} cases passed, accuracy {accuracy:.1f}%")
        if passed != len(cases):
            raise CommandError(f"{len(cases) - passed} of {len(cases)} cases failed")
