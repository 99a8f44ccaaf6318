"""Is this a CSV we can read, and how: its encoding, delimiter and header row.

Only the first 64 KiB are read, so inspecting a 500 MB upload costs the same as a small one. Anything we
cannot read as a table of text (an image, a zip or Excel file, an empty file, a file without a header
row) is refused with one message that says what was wrong and what to do instead.
"""

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer

from leads.importing import records

SAMPLE_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

# Leading bytes of files people upload by mistake instead of a CSV.
_MAGIC: list[tuple[bytes, str]] = [
    (b"\x89PNG", "a PNG image"), (b"GIF8", "a GIF image"), (b"\xff\xd8\xff", "a JPEG image"),
    (b"%PDF", "a PDF document"), (b"PK\x03\x04", "a zip archive or an Excel (.xlsx) workbook"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) workbook"), (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"), (b"Rar!", "a RAR archive"),
]
_BOMS: list[tuple[bytes, str]] = [
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
]


class RefusedFile(Exception):
    """The file cannot be imported at all; the message is for the person who chose it."""


@dataclass(frozen=True)
class FileShape:
    encoding: str
    delimiter: str
    header: list[str]
    sample_rows: list[list[str]]

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))


def detect_encoding(sample: bytes) -> str:
    """A BOM decides; else UTF-8 if the bytes are valid UTF-8; else charset-normalizer's guess (cp1252 default)."""
    for bom, encoding in _BOMS:
        if sample.startswith(bom):
            return encoding
    if sample[1:200:2].count(0) > 50 and not sample[0:200:2].count(0):
        return "utf-16-le"  # UTF-16 without a BOM: every other byte of ASCII text is NUL
    try:
        # Incremental, so a character cut in half at the end of the sample is not an error.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(sample).best()
    # Western exports are cp1252 far more often than the similar code pages the detector may prefer.
    if best is None or best.encoding in ("latin_1", "iso8859_15", "iso8859_2", "cp1250", "ascii"):
        return "cp1252"
    return best.encoding


def _refuse_binary(sample: bytes, name: str) -> None:
    for magic, kind in _MAGIC:
        if sample.startswith(magic):
            raise RefusedFile(f"{name} looks like {kind}, not a CSV file. "
                              "Save it as CSV (comma-separated) and upload that.")


def _decode_sample(sample: bytes, encoding: str, complete: bool) -> str:
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample, final=complete)
    if not complete:
        # The sample ends mid-row; drop the partial last line so it cannot skew the sniffing.
        text = text[: max(text.rfind("\n"), text.rfind("\r"), 0)]
    return text


def _lines(text: str) -> io.StringIO:
    # newline="": lines end at \n, \r\n or a lone \r (old Mac exports), as the importer reads them.
    return io.StringIO(text, newline="")


def _looks_binary(text: str) -> bool:
    controls = sum(1 for char in text[:20_000] if char < " " and char not in "\t\r\n")
    return "\x00" in text or controls > max(5, len(text[:20_000]) // 100)


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first rows into the most columns, consistently from row to row."""
    best, best_score = ",", 0.0
    for delimiter in DELIMITERS:
        rows = [row for row in csv.reader(_lines(text[:32_768]), delimiter=delimiter) if row][:30]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        consistency = sum(1 for row in rows if len(row) == width) / len(rows)
        score = width * consistency
        if score > best_score:
            best, best_score = delimiter, score
    return best


def inspect(path: Path | str, name: str = "") -> FileShape:
    """Read the start of the file; RefusedFile when it is not a CSV we can import."""
    path = Path(path)
    name = name or path.name
    with path.open("rb") as file:
        sample = file.read(SAMPLE_BYTES)
        complete = not file.read(1)
    if not sample.strip(b" \t\r\n\x00" + codecs.BOM_UTF8):
        raise RefusedFile(f"{name} is empty: there is nothing to import.")
    _refuse_binary(sample, name)
    encoding = detect_encoding(sample)
    text = _decode_sample(sample, encoding, complete).lstrip("\ufeff")
    if _looks_binary(text):
        raise RefusedFile(f"{name} is not a text file (it contains binary data), so it cannot be a CSV file.")
    delimiter = sniff_delimiter(text)
    rows = [row for row in csv.reader(_lines(text), delimiter=delimiter) if any(cell.strip() for cell in row)]
    if not rows:
        raise RefusedFile(f"{name} is empty: there is nothing to import.")
    header = _distinct_names([cell.strip().lstrip("\ufeff") for cell in rows[0]])
    return FileShape(encoding=encoding, delimiter=delimiter, header=header, sample_rows=rows[1:11])


def _distinct_names(cells: list[str]) -> list[str]:
    """The header with a name per column: the mapping and the attributes are keyed by name, so a repeated
    name ("Phone" for office and mobile) would let one column's values overwrite the other's."""
    names: list[str] = []
    for position, cell in enumerate(cells, start=1):
        name = cell or f"Column {position}"
        candidate, copy = name, 2
        while candidate in names:
            candidate, copy = f"{name} ({copy})", copy + 1
        names.append(candidate)
    return names


def count_rows_over(path: Path | str, shape: FileShape, limit: int) -> int | None:
    """The number of data rows if it is over `limit`, else None; cheap when the file is clearly small.

    Counting line ends (\\n, \\r\\n or a lone \\r) gives an upper bound (quoted line breaks only add to it)
    at disk speed; only when that bound is over the limit are the rows counted exactly as the importer reads them.
    """
    lines = 0
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            # In every encoding we read, a line end contains these bytes; a \r\n cut by the chunk
            # boundary counts twice, which only loosens the bound.
            lines += chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
    if lines <= limit:
        return None
    with open(path, encoding=shape.encoding, errors="replace", newline="") as text:
        rows = sum(1 for row in records.rows(text, shape.delimiter, len(shape.header))
                   if isinstance(row, records.BrokenRow) or "".join(row).strip()) - 1
    return rows if rows > limit else None
