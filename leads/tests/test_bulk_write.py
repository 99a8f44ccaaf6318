"""The importer's fast paths give exactly what the slow ones give: rows validated without pydantic's
machinery equal LeadInput's, and rows streamed as COPY text read back as written."""

import csv
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from uuid import RFC_4122, UUID

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from leads.bulk_write import insert_rows, new_uuids
from leads.dedupe import SeenKeys
from leads.importing import columns, fast_path
from leads.importing.run import DEFAULT_WON_VALUES, _RowBuilder
from leads.importing.sniff import RefusedFile, inspect
from leads.lead_input import TEXT_IS_CLEAN, LeadInput
from leads.models import ActivityLog, Lead
from leads.postgres import COPY_CHUNK_ROWS

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
CLEAN = {TEXT_IS_CLEAN: True}

# Values that sit on the edges of the rules: whitespace pydantic strips and Python's strip() also strips
# (\x1f), lengths at and over a limit, placeholders, unknown countries and urgencies, odd emails.
AWKWARD = ["", " ", "\x1f", "\xa0", "\u200b", "x" * 100, "x" * 101, "Ada", " ada ", "Jo@Acme.COM", "jo@",
           "ü@bücher.de", "tbd", "n/a", "Germany", "Atlantis", "de", "250", "1000+", "lots", "ASAP", "soon",
           "acme.com", "not a site", "https://www.acme.com/x", "Web", "Olark Chat", "50-100k", "Lovelace, Ada",
           "Cher", "\u3000Ada\x85", "a@b", "jo@localhost", "jo@acme.local", "jo@acme.test", "jo@ab--cd.com",
           "x" * 65 + "@acme.com", "a" * 250 + ".com"]
FIELDS = ["first_name", "last_name", "full_name", "email", "external_id", "phone", "website", "company_name",
          "job_title", "industry", "company_size", "country", "source", "budget_range", "pain_point", "urgency",
          "lead_message"]


def _full(data: dict) -> LeadInput | None:
    try:
        return LeadInput.model_validate(data, context=CLEAN)
    except ValueError:
        return None


def _assert_same_verdict(data: dict) -> None:
    fast, full = fast_path.lead_input(data), _full(data)
    if fast is None:
        return  # the importer hands the row to the full model, which decides
    assert full is not None, f"the fast path accepted a row the model rejects: {data}"
    assert fast.__dict__ == full.__dict__, data
    assert fast.model_fields_set == full.model_fields_set


def _fixture_rows() -> list[dict]:
    rows = []
    for path in sorted(FIXTURES.rglob("*.csv")):
        try:
            shape = inspect(path, path.name)
        except RefusedFile:
            continue
        builder = _RowBuilder(shape.header, columns.suggest(shape.header), DEFAULT_WON_VALUES)
        with path.open(encoding=shape.encoding, errors="replace", newline="") as file:
            reader = csv.reader(file, delimiter=shape.delimiter)
            next(reader)
            rows += [builder.build([cell.replace("\x00", "") for cell in row]) for row in reader]
    return rows


def test_the_fast_path_accepts_only_what_the_model_accepts_and_builds_the_same_lead():
    rows = _fixture_rows()
    assert len(rows) > 200
    for data in rows:
        _assert_same_verdict(data)


def test_the_fast_path_agrees_with_the_model_on_awkward_values():
    rng = random.Random(7)
    for _ in range(5000):
        data = {field: rng.choice(AWKWARD) + rng.choice(AWKWARD) for field in rng.sample(FIELDS, rng.randint(1, 6))}
        if rng.random() < 0.3:
            data["attributes"] = {rng.choice(AWKWARD): rng.choice(AWKWARD)}
        _assert_same_verdict(data)


def test_plain_rows_take_the_fast_path():
    data = {"email": "Ada@Example.com", "first_name": " Ada ", "company_size": "250", "country": "Germany",
            "source": "Trade Show", "budget_range": "50-100k", "attributes": {"utm": "spring"}}
    lead_input = fast_path.lead_input(data)
    assert lead_input is not None
    assert (lead_input.email, lead_input.first_name, lead_input.company_size, lead_input.country) == (
        "ada@example.com", "Ada", "201-500", "DE")
    assert (lead_input.source, lead_input.budget_amount) == ("event", 100_000)


@pytest.mark.parametrize("version", ["2.7.0", "2.11.10", "2.14.4"])
def test_the_fast_path_accepts_the_pydantic_versions_it_was_tested_with(version):
    fast_path.check_pydantic_version(version)


@pytest.mark.parametrize("version", ["2.6.4", "2.15.0", "3.0.0"])
def test_the_fast_path_refuses_other_pydantic_versions_saying_what_to_do(version):
    with pytest.raises(ImproperlyConfigured, match=rf"pydantic 2.7 to 2.14, but {version} is installed"):
        fast_path.check_pydantic_version(version)


def test_rows_the_model_rejects_are_left_to_it_for_the_error_message():
    assert fast_path.lead_input({"email": "jo@", "first_name": "Jo"}) is None
    assert fast_path.lead_input({"country": "Atlantis", "first_name": "Jo"}) is None
    assert fast_path.lead_input({"phone": "12"}) is None  # nothing to know the lead by


@pytest.mark.django_db
def test_copy_text_keeps_tabs_newlines_backslashes_and_nulls_as_written():
    now = timezone.now()
    awkward = ["a\tb", "two\nlines", "carriage\rreturn", "back\\slash", "\\N", "\\", "ünïcode", ""]
    ids = new_uuids(len(awkward))
    rows = [{"id": lead_id, "first_name": text, "email": f"lead{number}@example.com", "attributes": {"note": text},
             "budget_amount": None if number % 2 else number, "created_at": now, "updated_at": now}
            for number, (lead_id, text) in enumerate(zip(ids, awkward))]
    rows[0]["status"] = Lead.Status.CLOSED_WON  # a column only some rows name gets its default on the others
    insert_rows(Lead, rows)
    insert_rows(ActivityLog, [{"lead_id": ids[0], "type": ActivityLog.Type.INGESTED, "payload": {"note": "a\\b\t"},
                               "actor_id": None, "actor_label": "import", "created_at": now}])

    for number, (lead_id, text) in enumerate(zip(ids, awkward)):
        lead = Lead.objects.get(pk=lead_id)
        assert (lead.first_name, lead.attributes, lead.last_name) == (text, {"note": text}, "")
        assert lead.budget_amount == (None if number % 2 else number)
        assert lead.status == (Lead.Status.CLOSED_WON if number == 0 else Lead.Status.NEW)
        assert lead.created_at == now
    assert ActivityLog.objects.get(lead_id=ids[0]).payload == {"note": "a\\b\t"}


@pytest.mark.django_db
def test_a_batch_longer_than_one_copy_write_arrives_whole():
    now = timezone.now()
    count = COPY_CHUNK_ROWS * 2 + 7
    ids = new_uuids(count)
    insert_rows(Lead, [{"id": lead_id, "email": f"lead{number}@example.com", "created_at": now, "updated_at": now}
                       for number, lead_id in enumerate(ids)])
    assert Lead.objects.count() == count
    assert Lead.objects.get(pk=ids[-1]).email == f"lead{count - 1}@example.com"


def test_seen_keys_remembers_every_key_it_was_given_and_no_other():
    seen = SeenKeys()
    first = [f"e:lead{number}@example.com" for number in range(50_000)]
    others = [f"e:other{number}@example.com" for number in range(50_000)]
    for start in range(0, len(first), 2_000):
        seen.add(first[start:start + 2_000])
    assert len(seen) == 50_000
    assert all(seen.contains(first)) and not any(seen.contains(others))


def test_new_ids_are_distinct_time_ordered_version_7_uuids():
    ids = new_uuids(10_000)
    assert len(set(ids)) == 10_000
    parsed = [UUID(lead_id) for lead_id in ids]
    assert {(value.version, value.variant) for value in parsed} == {(7, RFC_4122)}
    earlier = new_uuids(1)[0]
    time.sleep(0.002)
    assert new_uuids(1)[0][:12] > earlier[:12]  # the leading 48 bits are the time in ms


def test_importing_a_file_loads_no_numpy():
    """The import's peak memory (bench: < 150 MB at a million rows) has no room for numpy's ~15 MB."""
    script = ("import sys, django; django.setup(); from leads.importing import jobs; "
              "sys.exit('numpy' in sys.modules)")
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "leadops.settings"}
    completed = subprocess.run([sys.executable, "-c", script], env=environment, check=False,
                               cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr or "numpy is loaded by the import"
