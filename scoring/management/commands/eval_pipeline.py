"""eval_pipeline [PATH] [--scoring-version N]: run the pipeline on labelled cases, print per-case results and accuracy.

Each case (fixtures/eval_cases.json by default) gives lead fields and what should come out:
the label (one or several allowed), optionally a score range, the action and needs_approval.
The command fails (exit status 1) unless every case passes.

Each case runs inside a transaction that is rolled back, so nothing is left behind, and in isolation from
what the database holds: inside that transaction the leads at the case's addresses, the companies of its
domains (with their memory of earlier leads) and the do-not-contact entries for either are set aside, and
the scoring version in force is the one asked for (`--scoring-version`; the built-in rules by default). So the
cases give the same verdicts on an empty database, the demo database or a live one, whatever version is active.
"""

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat, Lower

from leads.addresses import company_domain, domain_of
from leads.models import Company, Lead
from outreach.models import Suppression
from outreach.suppression import address_hash
from scoring.models import ScoringConfig
from scoring.pipeline import runner

DEFAULT_PATH = settings.BASE_DIR / "fixtures" / "eval_cases.json"


class _Rollback(Exception):
    pass


def _set_aside(case: dict[str, Any], config: ScoringConfig | None) -> None:
    """Inside the case's transaction: leave the case alone with its own leads, companies and version."""
    people = [case["lead"], *case.get("earlier_leads", [])]
    emails = {person["email"].strip().lower() for person in people if person.get("email")}
    domains = {company_domain(person.get("email", "").strip().lower(), person.get("website", ""))
               for person in people}
    domains |= {domain_of(person.get("website", "")) for person in people}
    domains |= {person["company_domain"] for person in case.get("earlier_leads", [])}
    domains |= {email.rpartition("@")[2] for email in emails}
    domains -= {""}
    # An address belongs to one lead: a stored lead at a case's address would collide with the case's.
    Lead.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=emails).update(email="")
    # A stored company would lend the case its earlier leads and outcomes; renamed, it is not found by domain.
    Company.objects.filter(domain__in=domains).update(domain=Concat(Value("set-aside-"), Cast("pk", CharField())))
    # An erased person's address is on the list as its hash only.
    hashed = {address_hash(email) for email in emails}
    Suppression.objects.filter(Q(email__in=emails | hashed) | Q(domain__in=domains)).delete()
    ScoringConfig.objects.filter(is_active=True).update(is_active=False)
    if config is not None:
        ScoringConfig.objects.filter(pk=config.pk).update(is_active=True)


def run_case(case: dict[str, Any], config: ScoringConfig | None = None) -> tuple[list[str], str]:
    """(problems, what came out) for one case on `config` (None: the built-in rules); no problems: it passed."""
    outcome: dict[str, Any] = {}
    try:
        with transaction.atomic():
            _set_aside(case, config)
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
        parser.add_argument("--scoring-version", type=int, default=None, metavar="N",
                            help="scoring version to evaluate (default: the built-in rules, whatever is active)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        try:
            cases = json.loads(path.read_text(encoding="utf-8"))["cases"]
        except (OSError, ValueError, KeyError) as error:
            raise CommandError(f"Cannot read cases from {path}: {error}") from None
        config = self._config(options["scoring_version"])
        self.stdout.write(f"Evaluating {config} on {len(cases)} cases" if config else
                          f"Evaluating the built-in rules on {len(cases)} cases")
        passed = 0
        for number, case in enumerate(cases, start=1):
            problems, came_out = run_case(case, config)
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

    def _config(self, version: int | None) -> ScoringConfig | None:
        if version is None:
            return None
        config = ScoringConfig.objects.filter(version=version).first()
        if config is None:
            known = ", ".join(str(number) for number in ScoringConfig.objects.values_list("version", flat=True))
            raise CommandError(f"There is no scoring version {version}; the versions are: {known or 'none yet'}.")
        return config
