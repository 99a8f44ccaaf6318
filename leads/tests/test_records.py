"""Reading a CSV file's rows: any line ends, and one broken row costs that row alone, never the rows after it."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from leads.importing.records import BrokenRow, rows
from leads.importing.run import ImportOptions, import_file
from leads.importing.sniff import RefusedFile, inspect
from leads.models import Lead

pytestmark = pytest.mark.usefixtures("import_media", "no_qualification")

HEADER = "Email,First Name,Company"


def people(count: int, start: int = 0) -> list[str]:
    return [f"person{n}@northwind-traders.com,Person {n},Northwind" for n in range(start, start + count)]


def write(tmp_path: Path, lines: list[str], newline: str = "\n", name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(newline.join(lines).encode() + newline.encode())
    return path


def imported(path: Path, **options) -> dict:
    error_file = io.StringIO()
    report = import_file(path, ImportOptions(**options), error_file=error_file)
    assert report.rows == sum(report.summary()[key] for key in
                              ("created", "updated", "unchanged", "duplicates_in_file", "invalid"))
    return {**report.summary(), "errors": report.errors, "error_file": error_file.getvalue()}


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"])
def test_a_file_imports_whatever_its_line_ends(db, tmp_path, newline):
    path = write(tmp_path, [HEADER, *people(3)], newline)
    assert inspect(path).header == ["Email", "First Name", "Company"]
    result = imported(path)
    assert (result["created"], result["invalid"]) == (3, 0)
    assert Lead.objects.get(email="person2@northwind-traders.com").company_name == "Northwind"


def test_a_file_that_mixes_line_ends_imports_every_row(db, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"Email,First Name,Company\r\n" + b"a@acme.com,Ada,Acme\rb@acme.com,Bo,Acme\n"
                     + b'c@acme.com,"Cy\r\nwith a line break",Acme\r\n' + b"d@acme.com,Di,Acme")
    assert imported(path)["created"] == 4
    assert Lead.objects.get(email="c@acme.com").first_name == "Cy\r\nwith a line break"


def test_a_large_old_mac_export_is_sniffed_from_its_first_rows_and_imported(db, tmp_path):
    path = write(tmp_path, [HEADER, *people(3_000)], "\r")  # past the sniffed first 64 KiB
    assert inspect(path).sample_rows[0] == ["person0@northwind-traders.com", "Person 0", "Northwind"]
    assert imported(path)["created"] == 3_000


def test_the_row_limit_counts_the_rows_of_an_old_mac_export(db, tmp_path, settings):
    settings.IMPORT_MAX_ROWS = 4
    with pytest.raises(RefusedFile, match="has 6 rows; at most 4"):
        import_file(write(tmp_path, [HEADER, *people(6)], "\r"), ImportOptions())
    assert not Lead.objects.exists()


def test_the_import_command_reads_an_old_mac_export(db, tmp_path):
    output = io.StringIO()
    call_command("import_leads", str(write(tmp_path, [HEADER, *people(2)], "\r")), "--json", stdout=output)
    assert '"created": 2' in output.getvalue()


def test_an_unclosed_quote_rejects_its_row_and_the_hundred_rows_after_it_are_imported(db, tmp_path):
    path = write(tmp_path, [HEADER, *people(1), 'ada@acme.com,"Ada,Acme', *people(100, start=1)])
    result = imported(path)
    assert (result["created"], result["invalid"]) == (101, 1)
    [error] = result["errors"]
    assert error["row"] == 3 and error["value"] == 'ada@acme.com,"Ada,Acme'
    assert error["message"].startswith('The row opens a quote (") that is never closed')
    error_rows = list(csv.reader(io.StringIO(result["error_file"])))
    assert error_rows[1] == ["3", "", 'ada@acme.com,"Ada,Acme', error["message"], 'ada@acme.com,"Ada,Acme']
    assert Lead.objects.get(email="person100@northwind-traders.com").first_name == "Person 100"


def test_rows_after_an_unclosed_quote_keep_their_row_numbers(db, tmp_path):
    path = write(tmp_path, [HEADER, 'ada@acme.com,"Ada,Acme', *people(3), "not-an-address,Bad,Acme"])
    result = imported(path)
    assert (result["created"], result["invalid"]) == (3, 2)
    assert [error["row"] for error in result["errors"]] == [2, 6]


def test_an_unclosed_quote_is_found_when_a_later_quote_would_close_it(db, tmp_path):
    lines = [HEADER, 'ada@acme.com,"Ada,Acme', *people(50), 'zed@acme.com,Zed,"Zeta, Inc."', *people(5, 50)]
    result = imported(write(tmp_path, lines))
    assert (result["created"], result["invalid"]) == (56, 1)
    assert Lead.objects.get(email="zed@acme.com").company_name == "Zeta, Inc."


def test_a_quote_that_swallows_one_row_and_closes_is_found_by_the_width_of_the_result(db, tmp_path):
    lines = [HEADER, 'ada@acme.com,"Ada,Acme', 'bo@acme.com,Bo,"Beta, Inc."', *people(2)]
    result = imported(write(tmp_path, lines))
    assert (result["created"], result["invalid"]) == (3, 1)


def test_values_over_several_lines_stay_one_value(db, tmp_path):
    lines = [HEADER, 'ada@acme.com,Ada,"Acme\nEurope, GmbH\nsecond floor"', 'bo@acme.com,"Bo\n\nBo",Beta', *people(2)]
    result = imported(write(tmp_path, lines))
    assert (result["created"], result["invalid"]) == (4, 0)
    assert Lead.objects.get(email="ada@acme.com").company_name == "Acme\nEurope, GmbH\nsecond floor"


def test_a_value_over_the_field_limit_rejects_its_row_and_the_rest_is_imported(db, tmp_path):
    limit = csv.field_size_limit()
    lines = [HEADER, *people(2), f"long@acme.com,{'x' * (limit + 1)},Acme", *people(3, start=2)]
    result = imported(write(tmp_path, lines))
    assert (result["created"], result["invalid"]) == (5, 1)
    [error] = result["errors"]
    assert error["row"] == 4 and error["message"].startswith(f"A value in the row is longer than {limit:,}")
    assert len(error["value"]) == 200
    assert f"long@acme.com,{'x' * (limit + 1)},Acme" in result["error_file"]  # the whole row, to fix and import again


def test_a_quoted_value_over_the_field_limit_that_never_closes_costs_only_its_row(db, tmp_path):
    filler = people(3_000)  # more than the field limit's worth of rows after the quote
    result = imported(write(tmp_path, [HEADER, 'ada@acme.com,"Ada,Acme', *filler]))
    assert (result["created"], result["invalid"]) == (3_000, 1)


def test_the_reader_yields_cells_and_broken_rows_in_file_order():
    read = list(rows(io.StringIO('a,b,c\r1,"2,3\r4,5,6\r7,8,9\r', newline=""), ",", 3))
    assert read[0] == ["a", "b", "c"] and read[2:] == [["4", "5", "6"], ["7", "8", "9"]]
    assert isinstance(read[1], BrokenRow) and read[1].line == '1,"2,3'
