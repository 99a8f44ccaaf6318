"""Which CSV column feeds which lead field: header synonyms, the user's overrides, id and outcome columns.

A mapping is a list with one target per column, in file order: a lead field, `ATTRIBUTES` (keep the
value in `Lead.attributes` under the header's name) or `IGNORE`. Nothing is dropped unless the user says
so: a column we do not recognise is kept as an attribute.
"""

import re
from collections.abc import Iterable, Mapping

from leads.importing.sniff import RefusedFile

ATTRIBUTES = "attributes"
IGNORE = ""  # as ImportJob.column_mapping stores it
OUTCOME = "outcome"

# Lead fields a column can feed, with a label for the mapping page.
FIELD_LABELS: dict[str, str] = {
    "email": "Email", "first_name": "First name", "last_name": "Last name", "full_name": "Full name (split)",
    "external_id": "Id in the source system", "phone": "Phone", "website": "Website",
    "company_name": "Company name", "job_title": "Job title", "industry": "Industry",
    "company_size": "Company size", "country": "Country", "source": "Source", "budget_range": "Budget",
    "pain_point": "Pain point", "urgency": "Urgency", "lead_message": "Message",
    OUTCOME: "Outcome (won / lost)",
}
TARGET_CHOICES: list[tuple[str, str]] = [
    *FIELD_LABELS.items(), (ATTRIBUTES, "Keep as attribute"), (IGNORE, "Ignore"),
]
TARGETS = frozenset(target for target, _ in TARGET_CHOICES)
# Columns that let a row be told apart from others; a file needs at least one of them.
IDENTITY_FIELDS = frozenset({"email", "external_id", "first_name", "last_name", "full_name", "company_name"})

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "email": ("email", "e mail", "email address", "e mail address", "mail", "work email", "business email",
              "contact email", "email 1"),
    "first_name": ("first name", "firstname", "first", "given name", "forename", "vorname", "prenom"),
    "last_name": ("last name", "lastname", "last", "surname", "family name", "nachname", "nom"),
    "full_name": ("full name", "name", "contact name", "contact", "lead name", "person"),
    "phone": ("phone", "phone number", "mobile", "mobile phone", "telephone", "tel", "cell", "work phone"),
    "website": ("website", "web site", "url", "company website", "homepage", "domain", "company domain"),
    "company_name": ("company", "company name", "organization", "organisation", "organization name",
                     "account", "account name", "employer", "business name", "firma"),
    "job_title": ("job title", "title", "position", "role", "job role", "designation"),
    "industry": ("industry", "sector", "vertical"),
    "company_size": ("company size", "employees", "number of employees", "employee count", "headcount",
                     "size", "no of employees", "num employees"),
    "country": ("country", "country name", "country code", "nation", "land"),
    "source": ("source", "lead source", "channel", "origin"),
    "budget_range": ("budget", "budget range", "estimated budget", "annual budget"),
    "pain_point": ("pain point", "pain points", "challenge", "challenges", "problem", "need", "needs"),
    "urgency": ("urgency", "timeline", "timeframe", "time frame", "priority"),
    "lead_message": ("message", "comments", "comment", "notes", "note", "description", "inquiry", "enquiry",
                     "how can we help", "details"),
}
# Headers of a source system's own id; used as the dedupe key only when the file has no email column.
ID_HEADERS = ("prospect id", "lead id", "lead number", "contact id", "record id", "external id", "customer id",
              "id")

_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")
# A field's own name is a header too ("lead_message", "budget_range"): it is what the export writes, so an
# export re-imports into the same fields.
_OWN_NAMES = {field: field.replace("_", " ") for field in FIELD_LABELS if field not in (OUTCOME, "full_name")}
_BY_HEADER = {name: field for field, name in _OWN_NAMES.items()} | {
    synonym: field for field, synonyms in _SYNONYMS.items() for synonym in synonyms
}


def normalise_header(header: str) -> str:
    """'E-mail Address ' -> 'e mail address': case and punctuation do not matter when matching."""
    return _NOT_ALPHANUMERIC.sub(" ", header.lower()).strip()


def suggest(
    header: list[str], overrides: Mapping[str, str] | None = None, id_column: str | None = None,
    outcome_column: str | None = None,
) -> list[str]:
    """One target per column: the user's choice where given, else the synonym table, else attributes."""
    overrides = dict(overrides or {})
    names = set(header)  # a file may have thousands of columns, and a mapping names each of them
    for name, target in overrides.items():
        if name not in names:
            raise RefusedFile(f"The mapping names a column {name!r} that is not in the file. "
                              f"Its columns are: {', '.join(header)}.")
        if target not in TARGETS:
            raise RefusedFile(f"The mapping {name}={target!r} names no lead field. "
                              f"Use one of: {', '.join(sorted(TARGETS - {IGNORE}))} or ignore.")
    for option, name, target in (("--id-column", id_column, "external_id"),
                                 ("--outcome-column", outcome_column, OUTCOME)):
        if name:
            if name not in names:
                raise RefusedFile(f"{option} {name!r} is not a column of the file. "
                                  f"Its columns are: {', '.join(header)}.")
            overrides[name] = target
    targets = [overrides[name] if name in overrides else _BY_HEADER.get(normalise_header(name), ATTRIBUTES)
               for name in header]
    if "email" not in targets and "external_id" not in targets and not id_column:
        for position, name in enumerate(header):
            if name not in overrides and normalise_header(name) in ID_HEADERS:
                targets[position] = "external_id"
                break
    return _one_column_per_field(targets, overrides.keys(), header)


def _one_column_per_field(targets: list[str], chosen: Iterable[str], header: list[str]) -> list[str]:
    """When two columns claim one field, the user's choice (else the first) wins; the other is kept as attribute."""
    chosen = set(chosen)
    claimed: dict[str, int] = {}
    for position in sorted(range(len(targets)), key=lambda index: header[index] not in chosen):
        target = targets[position]
        if target in (ATTRIBUTES, IGNORE):
            continue
        if target in claimed:
            targets[position] = ATTRIBUTES
        else:
            claimed[target] = position
    return targets


def require_usable(header: list[str], targets: list[str], name: str, *, mapped_later: bool = False) -> None:
    """Refuse a file whose header names no column we could tell leads apart by.

    `mapped_later`: the upload page's preview lets the user map columns by hand (and insists on one
    that tells leads apart), so there only a file without a header row is refused.
    """
    if IDENTITY_FIELDS.intersection(targets):
        return
    looks_like_data = [cell for cell in header if "@" in cell or cell.replace(".", "").isdigit()]
    if looks_like_data:
        raise RefusedFile(f"{name} has no header row: its first row looks like data ({looks_like_data[0]!r}). "
                          "Add a first row naming the columns, e.g. Email,First Name,Last Name,Company.")
    if mapped_later:
        return
    raise RefusedFile(f"{name} has no usable header: none of its columns ({', '.join(header[:12]) or 'none'}) "
                      "is an email, id, name or company column. Rename a column (e.g. to Email) or map it "
                      "with --map \"Header=email\".")


def parse_overrides(pairs: Iterable[str]) -> dict[str, str]:
    """["CSV Header=field", ...] from the command line -> {"CSV Header": "field"}."""
    overrides = {}
    for pair in pairs:
        name, separator, target = pair.rpartition("=")
        if not separator or not name.strip():
            raise RefusedFile(f"--map {pair!r} should look like \"CSV Header=field\".")
        target = target.strip()
        overrides[name.strip()] = IGNORE if target == "ignore" else target
    return overrides
