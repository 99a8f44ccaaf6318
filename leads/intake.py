"""The one way a lead is created or updated: the form, the API, the CSV importer and the command call this.

"One path, four doors": every door hands `LeadInput` data to `Intake.process` (the form and the API
through `ingest`, one lead at a time), so validation, normalisation, dedupe, Company linking and the
timeline are the same everywhere.

Dedupe keys, in order: the e-mail (case-insensitive), else the source system's id (`external_id`),
else first name + last name + company name. A lead found by its key is left alone (`skip`), has only its
empty fields filled (`fill`) or has every given value written over it (`overwrite`); an empty input value
never blanks a stored one. A created lead gets an INGESTED activity, a changed one an UPDATED activity
listing old -> new, an unchanged one nothing. After commit, intake asks for the created and changed
leads to be qualified (`leads.signals.qualification_wanted`, which scoring answers).

A person editing a lead on its page (`edit`) is the fifth door: the same rules, Company linking, timeline
and re-qualification, but every field they were shown takes the value they left, so a cleared one is cleared.
"""

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from pydantic import ValidationError

from leadops.db import skip_commit_flush
from leads import postgres
from leads.addresses import company_domain
from leads.bulk_write import insert_rows, log_ingested, new_uuids
from leads.companies import CompanyIds
from leads.dedupe import SeenKeys, dedupe_keys, given_values, repeats, stored_leads
from leads.lead_input import (
    TEXT_IS_CLEAN,
    FieldError,
    IntakeError,
    LeadInput,
    field_errors,
    parse_lead,
)
from leads.models import ActivityLog, Feedback, ImportJob, Lead
from leads.signals import announce_leads_changed, qualification_wanted

__all__ = [
    "DuplicateEmail", "FieldError", "Intake", "IntakeError", "IntakeResult", "LeadInput",
    "OnDuplicate", "Outcome", "RowResult", "edit", "field_errors", "ingest", "parse_lead",
]

OnDuplicate = ImportJob.OnDuplicate

OUTCOME_STATUS = {
    Feedback.Outcome.CLOSED_WON: Lead.Status.CLOSED_WON,
    Feedback.Outcome.CLOSED_LOST: Lead.Status.CLOSED_LOST,
}


class Outcome(enum.StrEnum):
    """What happened to one row; the values are the importer's accounting keys."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicates_in_file"
    INVALID = "invalid"


@dataclass(slots=True)
class RowResult:
    outcome: Outcome
    lead_id: UUID | str | None = None  # new leads' ids are 32 hex digits
    changed_fields: list[str] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)


@dataclass
class IntakeResult:
    """What `ingest` or `edit` did with one lead."""

    lead: Lead
    created: bool
    changed_fields: list[str]
    # Its qualification inputs changed: it is queued to be qualified again after commit.
    requalifying: bool = False


class DuplicateEmail(IntakeError):
    """An edit gave a lead the email another lead already has; `lead` is that other lead."""

    def __init__(self, email: str, lead: Lead) -> None:
        self.lead = lead
        super().__init__([FieldError(field="email", value=email, message=f"is already the email of {lead}")])


@dataclass(slots=True)
class _Planned:
    """One valid, first-seen row and what will be written for it."""

    index: int
    lead_input: LeadInput
    keys: list[str]
    domain: str
    existing: Lead | None = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    new_row: dict[str, Any] | None = None
    errors: list[FieldError] = field(default_factory=list)  # found only against the stored leads


@dataclass
class PreparedBatch:
    """A validated, deduplicated batch waiting to be saved; invalid and duplicate rows already have results."""

    results: list[RowResult | None]
    planned: list[_Planned]


def _field_label(name: str) -> str:
    return "company" if name == "company_id" else name


class Intake:
    """Takes leads in, batch by batch, remembering across batches which keys it has already seen.

    One `Intake` serves one import (or one form submission). `process` = `prepare` (validate, drop
    duplicates; no database) + `save` (look up, write, one transaction per batch), so a million-row
    import never holds one giant transaction open and the importer can overlap the two steps.
    """

    def __init__(
        self, *, source: str, actor: Any = None, actor_label: str = "system",
        on_duplicate: str = OnDuplicate.FILL, dry_run: bool = False, qualify: bool = True,
        activity_payload: dict[str, Any] | None = None, text_is_clean: bool = False, relaxed_commit: bool = False,
    ) -> None:
        if on_duplicate not in OnDuplicate.values:
            raise ValueError(f"on_duplicate={on_duplicate!r} must be one of {', '.join(OnDuplicate.values)}")
        self.source = source
        self.actor = actor if getattr(actor, "is_authenticated", False) else None
        self.actor_label = "user" if self.actor else actor_label
        self.on_duplicate = on_duplicate
        self.dry_run = dry_run
        self.qualify = qualify
        self.activity_payload = activity_payload or {}
        self.validation_context = {TEXT_IS_CLEAN: text_is_clean}
        self.relaxed_commit = relaxed_commit
        self.seen = SeenKeys()
        self.companies = CompanyIds()

    # --- the public steps ----------------------------------------------------------------------------
    def process(self, items: Sequence[dict[str, Any] | LeadInput]) -> list[RowResult]:
        """Validate, dedupe and save one batch; one RowResult per item, in order."""
        return self.save(self.prepare(items))

    def prepare(self, items: Sequence[dict[str, Any] | LeadInput]) -> PreparedBatch:
        """Validate and drop duplicates, without touching the database.

        The importer prepares the next batch while the previous one is being saved, so the keys seen here
        count at once: a later batch repeating them is a duplicate in the file whatever the database says.
        """
        results: list[RowResult | None] = [None] * len(items)
        candidates: list[_Planned] = []
        for index, item in enumerate(items):
            if isinstance(item, LeadInput):
                lead_input = item
            else:
                try:
                    lead_input = LeadInput.model_validate(item, context=self.validation_context)
                except ValidationError as error:
                    results[index] = RowResult(Outcome.INVALID, errors=field_errors(error, item))
                    continue
            domain = company_domain(lead_input.email, lead_input.website)
            candidates.append(_Planned(index, lead_input, dedupe_keys(lead_input), domain))
        planned = self._drop_duplicates(candidates, results)
        self.seen.add(key for plan in planned for key in plan.keys)
        return PreparedBatch(results, planned)

    def save(self, batch: PreparedBatch) -> list[RowResult]:
        """Look the batch's leads up, then create or update them in one transaction (none on a dry run)."""
        companies = {} if self.dry_run else self._companies(batch.planned)
        for attempt in range(2):
            try:
                with transaction.atomic():
                    if self.relaxed_commit:
                        # A server crash can lose the last moments of an import, which importing the
                        # file again restores (it creates no duplicates).
                        skip_commit_flush()
                    self._plan(batch.planned, companies)
                    if not self.dry_run:
                        self._write(batch.planned)
                break
            except IntegrityError:
                # Another door created one of these leads between our lookup and our insert: look again.
                if attempt:
                    raise
                for plan in batch.planned:
                    plan.existing, plan.changes, plan.new_row, plan.errors = None, {}, None, []
        for plan in batch.planned:
            batch.results[plan.index] = self._result(plan)
        return batch.results  # type: ignore[return-value]

    def replace(self, lead: Lead, lead_input: LeadInput, fields: Iterable[str]) -> RowResult:
        """Write the input's `fields` over one stored lead, empty values included, in one transaction.

        The duplicate rule does not apply: a person editing the lead saw every value, so one they
        cleared is meant to be cleared. A new email or website moves the lead to that domain's Company.
        """
        domain = company_domain(lead_input.email, lead_input.website)
        plan = _Planned(0, lead_input, dedupe_keys(lead_input), domain, existing=lead)
        for name in fields:
            new, old = getattr(lead_input, name), getattr(lead, name)
            if new != old and not (name == "source" and new is None):
                plan.changes[name] = (old, new)
        if "email" in plan.changes and lead_input.email:
            other = _lead_with_email(lead_input.email, besides=lead)
            if other:
                raise DuplicateEmail(lead_input.email, other)
        if plan.changes.keys() & {"email", "website"}:
            company_id = self._companies([plan]).get(domain) if domain else None
            if company_id != lead.company_id:
                plan.changes["company_id"] = (lead.company_id, company_id)
        if plan.changes:
            try:
                with transaction.atomic():
                    self._write([plan])
            except IntegrityError:
                # Another door gave the address to a lead between our check and our write.
                other = _lead_with_email(lead_input.email, besides=lead)
                if other is None:
                    raise
                raise DuplicateEmail(lead_input.email, other) from None
        return self._result(plan)

    # --- steps ------------------------------------------------------------------------------------------
    def _drop_duplicates(self, candidates: list[_Planned], results: list[RowResult | None]) -> list[_Planned]:
        kept = []
        for plan, repeated in zip(candidates, repeats(self.seen, [plan.keys for plan in candidates])):
            if repeated:
                results[plan.index] = RowResult(Outcome.DUPLICATE)
            else:
                kept.append(plan)
        return kept

    def _plan(self, planned: list[_Planned], companies: dict[str, int]) -> None:
        with postgres.index_probes_only():
            existing = stored_leads(plan.lead_input for plan in planned)
        now = timezone.now()
        ids = iter(new_uuids(len(planned)))
        for plan in planned:
            lead_input = plan.lead_input
            company_id = companies.get(plan.domain)
            plan.existing = next((existing[key] for key in plan.keys if key in existing), None)
            if len({existing[key].pk for key in plan.keys if key in existing}) > 1:
                # Its email is one stored lead's and its id another's: the row cannot update both, nor move the id.
                message = "is the id of another lead than the one with this email"
                plan.existing, plan.errors = None, [FieldError("external_id", lead_input.external_id, message)]
            elif plan.existing is None:
                plan.new_row = {
                    **lead_input.lead_fields(), "id": next(ids), "source": lead_input.source or self.source,
                    "company_id": company_id, "created_at": now, "updated_at": now,
                }
                if lead_input.outcome:
                    plan.new_row["status"] = OUTCOME_STATUS[lead_input.outcome]
            else:
                plan.changes = self._changes(plan.existing, lead_input, company_id)

    def _companies(self, planned: list[_Planned]) -> dict[str, int]:
        """Company ids for the batch's domains; a new company is named after the first lead naming one."""
        names: dict[str, str] = {}
        for plan in planned:
            if plan.domain and not names.get(plan.domain):
                names[plan.domain] = plan.lead_input.company_name
        return self.companies.ids_for(names)

    def _changes(self, lead: Lead, lead_input: LeadInput, company_id: int | None) -> dict[str, tuple[Any, Any]]:
        """Old -> new per field under the duplicate rule; a historic outcome applies even under `skip`."""
        changes: dict[str, tuple[Any, Any]] = {}
        status = OUTCOME_STATUS.get(lead_input.outcome) if lead_input.outcome else None
        if status and lead.status != status:
            changes["status"] = (lead.status, status)
        if self.on_duplicate == OnDuplicate.SKIP:
            return changes
        changes.update(given_values(lead, lead_input, overwrite=self.on_duplicate == OnDuplicate.OVERWRITE))
        if company_id and lead.company_id is None:
            changes["company_id"] = (None, company_id)
        return changes

    def _write(self, planned: list[_Planned]) -> None:
        now = timezone.now()
        new_rows = [plan.new_row for plan in planned if plan.new_row]
        insert_rows(Lead, new_rows)  # type: ignore[arg-type]
        changed = [plan for plan in planned if plan.changes]
        fields: set[str] = set()
        for plan in changed:
            for name, (_, new) in plan.changes.items():
                setattr(plan.existing, name, new)
            plan.existing.updated_at = now  # type: ignore[union-attr]
            fields.update(plan.changes)
            if self.qualify and plan.changes.keys() & Lead.QUALIFICATION_INPUT_FIELDS:
                # Not qualified with these inputs yet: scoring.tasks.requalify_stranded re-queues the lead
                # if its qualification is lost (a broker restart, an unflushed result commit).
                plan.existing.qualified_at = None  # type: ignore[union-attr]
                fields.add("qualified_at")
        if changed:
            Lead.objects.bulk_update([plan.existing for plan in changed], [*sorted(fields), "updated_at"])
        actor_id = self.actor.pk if self.actor else None
        log_ingested(ActivityLog, [row["id"] for row in new_rows], [row["source"] for row in new_rows],
                     extra_payload=self.activity_payload, actor_id=actor_id, actor_label=self.actor_label,
                     created_at=now)
        insert_rows(ActivityLog, [self._updated(plan, now) for plan in changed] + self._feedback(planned, now))
        if self.qualify:
            ids = [row["id"] for row in new_rows] + [plan.existing.id for plan in changed]  # type: ignore[union-attr]
            if ids:
                transaction.on_commit(partial(qualification_wanted.send, sender=Intake, lead_ids=ids, actor=self.actor,
                                              import_job=self.activity_payload.get("import_job")))

    def _updated(self, plan: _Planned, now: Any) -> dict[str, Any]:
        """The UPDATED activity of a changed lead, listing old -> new."""
        changes = {_field_label(name): [old, new] for name, (old, new) in plan.changes.items()}
        return {"lead_id": plan.existing.id, "type": ActivityLog.Type.UPDATED,  # type: ignore[union-attr]
                "payload": {"changes": changes, **self.activity_payload},
                "actor_id": self.actor.pk if self.actor else None, "actor_label": self.actor_label, "created_at": now}

    def _feedback(self, planned: list[_Planned], now: Any) -> list[dict[str, Any]]:
        """Record each historic outcome once per lead; returns the FEEDBACK activities to add."""
        with_outcome = [plan for plan in planned if plan.lead_input.outcome]
        if not with_outcome:
            return []
        lead_ids = [plan.new_row["id"] if plan.new_row else plan.existing.id for plan in with_outcome]  # type: ignore[union-attr]
        recorded = set(Feedback.objects.filter(lead_id__in=lead_ids).values_list("lead_id", "outcome"))
        feedback, activities = [], []
        for lead_id, plan in zip(lead_ids, with_outcome):
            if (lead_id, plan.lead_input.outcome) in recorded:
                continue
            feedback.append(Feedback(lead_id=lead_id, outcome=plan.lead_input.outcome, created_by=self.actor,
                                     notes="Recorded from imported history", created_at=now))
            activities.append({"lead_id": lead_id, "type": ActivityLog.Type.FEEDBACK, "created_at": now,
                               "payload": {"outcome": plan.lead_input.outcome, **self.activity_payload},
                               "actor_id": self.actor.pk if self.actor else None, "actor_label": self.actor_label})
        Feedback.objects.bulk_create(feedback)
        return activities

    @staticmethod
    def _result(plan: _Planned) -> RowResult:
        if plan.errors:
            return RowResult(Outcome.INVALID, errors=plan.errors)
        if plan.new_row:
            return RowResult(Outcome.CREATED, lead_id=plan.new_row["id"])
        lead_id = plan.existing.id  # type: ignore[union-attr]
        if plan.changes:
            return RowResult(Outcome.UPDATED, lead_id=lead_id,
                             changed_fields=[_field_label(name) for name in plan.changes])
        return RowResult(Outcome.UNCHANGED, lead_id=lead_id)


def _lead_with_email(email: str, *, besides: Lead) -> Lead | None:
    # The exclude lets PostgreSQL use the partial unique index lead_email_ci_unique.
    return (Lead.objects.annotate(email_lower=Lower("email")).exclude(email="")
            .filter(email_lower=email.lower()).exclude(pk=besides.pk).first())


def ingest(
    data: dict[str, Any] | LeadInput, *, source: str, actor: Any = None, actor_label: str = "system",
    on_duplicate: str = OnDuplicate.FILL, qualify: bool = True,
) -> IntakeResult:
    """Create or update one lead (the form and the API); IntakeError names every invalid field.

    An existing lead with the same e-mail (any case) or id is updated per `on_duplicate`, never duplicated.
    """
    intake = Intake(source=source, actor=actor, actor_label=actor_label, on_duplicate=on_duplicate, qualify=qualify)
    [result] = intake.process([data])
    if result.outcome == Outcome.INVALID:
        raise IntakeError(result.errors)
    if result.outcome != Outcome.UNCHANGED:
        announce_leads_changed()
    lead = Lead.objects.select_related("company").get(pk=result.lead_id)
    return IntakeResult(lead=lead, created=result.outcome == Outcome.CREATED, changed_fields=result.changed_fields)


def edit(lead: Lead, data: Mapping[str, Any], *, actor: Any) -> IntakeResult:
    """A person's edit of one lead from its page: each of Lead.EDITABLE_FIELDS takes the value in `data`.

    IntakeError names every invalid field; DuplicateEmail names the lead that has the email already.
    The lead must keep an email, an id, a name or a company (LeadInput's rule, which counts its id).
    An erased person's details cannot be entered again.
    """
    if lead.erased_at:
        raise IntakeError([FieldError("", "", "this person was erased: their details cannot be entered again.")])
    values = {name: data.get(name) or "" for name in Lead.EDITABLE_FIELDS}
    lead_input = parse_lead({**values, "external_id": lead.external_id})
    fields = [*Lead.EDITABLE_FIELDS, "budget_amount"]
    if lead_input.budget_range == lead.budget_range:
        # The amount may have been given on its own (the API's budget_amount): an untouched range keeps it.
        lead_input.budget_amount = lead.budget_amount
    intake = Intake(source=lead.source, actor=actor, on_duplicate=OnDuplicate.OVERWRITE)
    result = intake.replace(lead, lead_input, fields)
    if result.changed_fields:
        announce_leads_changed()
    return IntakeResult(lead=lead, created=False, changed_fields=result.changed_fields,
                        requalifying=bool(set(result.changed_fields) & set(Lead.QUALIFICATION_INPUT_FIELDS)))
