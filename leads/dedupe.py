"""How intake recognises a lead it already has: dedupe keys, the keys an import has seen, the stored leads.

Keys, in order: the e-mail (stored lower-cased; unique case-insensitively), else the source system's
id (`external_id`), else first name + last name + company name for rows that have neither. A row with
an e-mail and an id carries both keys, so neither can be duplicated.
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.db.models.functions import Lower

from leads import postgres
from leads.lead_input import LeadInput
from leads.models import Lead

# What intake needs of a stored lead to compare and update it.
LOADED_FIELDS = ("id", "status", "company_id", "attributes", *Lead.INTAKE_FIELDS)


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


def repeats(seen: "SeenKeys", key_lists: list[list[str]]) -> list[bool]:
    """For each row's keys, whether the row repeats an earlier one: the first row with a key wins, and a
    later row with any of its keys (in this batch or one `seen` before) is a duplicate in the file."""
    flat_keys = [key for keys in key_lists for key in keys]
    already = {key for key, was_seen in zip(flat_keys, seen.contains(flat_keys)) if was_seen}
    in_batch: set[str] = set()
    repeated = []
    for keys in key_lists:
        repeated.append(any(key in already or key in in_batch for key in keys))
        if not repeated[-1]:
            in_batch.update(keys)
    return repeated


def given_values(lead: Lead, lead_input: LeadInput, *, overwrite: bool) -> dict[str, tuple[Any, Any]]:
    """Old -> new for what an input gives a lead it found: the empty fields (`fill`), or every field it has a
    value for (`overwrite`). An empty input value never blanks a stored one; attributes are merged."""
    changes: dict[str, tuple[Any, Any]] = {}
    for name in Lead.INTAKE_FIELDS:
        new, old = getattr(lead_input, name), getattr(lead, name)
        if new in ("", None) or new == old or (old not in ("", None) and not overwrite):
            continue
        changes[name] = (old, new)
    added = {key: value for key, value in lead_input.attributes.items()
             if value != "" and (key not in lead.attributes or (overwrite and lead.attributes[key] != value))}
    if added:
        changes["attributes"] = (lead.attributes, {**lead.attributes, **added})
    return changes


def _where_in(query: QuerySet[Lead], column: str, values: list[str]) -> QuerySet[Lead]:
    """`column IN values` for a batch of up to thousands of values.

    On PostgreSQL the values travel as one parameter (`postgres.any_of`): building and sending
    thousands of separate placeholders costs more than the lookup itself.
    """
    query = query.only(*LOADED_FIELDS)
    if postgres.in_use():
        return query.filter(postgres.any_of(column, values))
    return query.filter(**{f"{column}__in": values})


class SeenKeys:
    """Which dedupe keys this import has already handled, in about 9 bytes a key.

    A Python set of a million e-mail addresses costs ~100 MB. This keeps each key's 64-bit hash as
    8 bytes in one of BUCKETS byte arrays, chosen by the hash's low bits; a lookup is one `find` in a
    few kilobytes (C speed), and no library beyond the standard one is loaded for it. A false "seen"
    needs two different keys with the same 64-bit hash (odds ~1 in 10^7 for 10^6 keys in one file).
    """

    BUCKETS = 4096  # a power of two; at a million keys each bucket holds ~2 KB

    def __init__(self) -> None:
        self._buckets = [bytearray() for _ in range(self.BUCKETS)]
        self._count = 0

    def contains(self, keys: Iterable[str]) -> list[bool]:
        return [self._has(hash(key)) for key in keys]

    def _has(self, hashed: int) -> bool:
        bucket = self._buckets[hashed & (self.BUCKETS - 1)]
        packed = hashed.to_bytes(8, "little", signed=True)
        position = bucket.find(packed)
        while position >= 0 and position % 8:  # a match straddling two entries is not one
            position = bucket.find(packed, position + 1)
        return position >= 0

    def add(self, keys: Iterable[str]) -> None:
        """Remember keys (intake adds only keys it has not seen, so none is stored twice)."""
        buckets, mask = self._buckets, self.BUCKETS - 1
        for key in keys:
            hashed = hash(key)
            buckets[hashed & mask] += hashed.to_bytes(8, "little", signed=True)
            self._count += 1

    def __len__(self) -> int:
        return self._count
