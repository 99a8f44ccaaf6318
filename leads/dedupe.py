"""How intake recognises a lead it already has: dedupe keys, and the stored leads behind them.

Keys, in order: the e-mail (stored lower-cased; unique case-insensitively), else the source system's
id (`external_id`), else first name + last name + company name for rows that have neither. A row with
an e-mail and an id carries both keys, so neither can be duplicated.
"""

from collections.abc import Iterable

from django.db import connection
from django.db.models import QuerySet
from django.db.models.functions import Lower

from leads.bulk_write import AnyOf, TextList
from leads.lead_input import LeadInput
from leads.models import Lead

# The lead fields intake writes and compares; everything else (status, scores) belongs to the pipeline.
INTAKE_FIELDS = (
    "first_name", "last_name", "email", "external_id", "phone", "website", "company_name", "job_title",
    "industry", "company_size", "country", "budget_range", "budget_amount", "pain_point", "urgency",
    "lead_message",
)
# What intake needs of a stored lead to compare and update it.
LOADED_FIELDS = ("id", "status", "company_id", "attributes", *INTAKE_FIELDS)


def dedupe_keys(lead_input: LeadInput) -> list[str]:
    if lead_input.email:
        keys = [f"e:{lead_input.email}"]
        return keys + [f"x:{lead_input.external_id}"] if lead_input.external_id else keys
    if lead_input.external_id:
        return [f"x:{lead_input.external_id}"]
    return [name_key(lead_input.first_name, lead_input.last_name, lead_input.company_name)]


def name_key(first_name: str, last_name: str, company_name: str) -> str:
    return f"n:{first_name.lower()}|{last_name.lower()}|{company_name.lower()}"


def stored_leads(lead_inputs: Iterable[LeadInput]) -> dict[str, Lead]:
    """Stored leads by dedupe key, found with one query per kind of key (each uses its unique index)."""
    emails, external_ids, name_keys = [], [], set()
    for lead_input in lead_inputs:
        if lead_input.email:
            emails.append(lead_input.email)
        if lead_input.external_id:
            external_ids.append(lead_input.external_id)
        if not (lead_input.email or lead_input.external_id):
            name_keys.add(name_key(lead_input.first_name, lead_input.last_name, lead_input.company_name))
    found: dict[str, Lead] = {}
    if emails:
        # Lower("email") with the exclude matches the partial unique index lead_email_ci_unique.
        query = Lead.objects.annotate(email_lower=Lower("email")).exclude(email="")
        found.update({f"e:{lead.email.lower()}": lead for lead in _where_in(query, "email_lower", emails)})
    if external_ids:
        query = Lead.objects.exclude(external_id="")
        found.update({f"x:{lead.external_id}": lead for lead in _where_in(query, "external_id", external_ids)})
    if name_keys:
        last_names = [key.split("|")[1] for key in name_keys]
        query = Lead.objects.filter(email="", external_id="").annotate(last_lower=Lower("last_name"))
        for lead in _where_in(query, "last_lower", last_names):
            key = name_key(lead.first_name, lead.last_name, lead.company_name)
            if key in name_keys:
                found[key] = lead
    return found


def _where_in(query: QuerySet[Lead], column: str, values: list[str]) -> QuerySet[Lead]:
    """`column IN values` for a batch of up to thousands of values.

    On PostgreSQL the values travel as one parameter (`= ANY(...)`, see AnyOf): building and
    sending 2,000 separate placeholders costs more than the lookup itself.
    """
    query = query.only(*LOADED_FIELDS)
    if connection.vendor == "postgresql":
        return query.filter(**{f"{column}__{AnyOf.lookup_name}": TextList(values)})
    return query.filter(**{f"{column}__in": values})
