"""The rows of a CSV file, read so that one broken row costs that row alone.

Python's csv parser reads a quoted value across line ends until its closing quote. That is how a message
with line breaks stays in one cell, but one stray quote (`"Acme`) makes every row after it part of one
value, and a value longer than `csv.field_size_limit()` (131,072 characters) raises and ends the read.
Here the parser is fed line by line, so a row that ran over several lines can be judged afterwards: when
its quote was evidently never closed, the first line is a `BrokenRow` (rejected with its reason) and the
lines after it are read again as rows of their own. A value over the limit rejects its row, and reading
goes on with the next line.

A quote is taken as never closed when the rows it swallowed show it:
- the file ended inside it;
- its value outgrew the field limit;
- the row came out wider than any single-line row before it; or
- a line inside it (the last one up to the closing quote) has exactly as many delimiters as a row has,
  in a file of at least three columns: the shape of a swallowed row rather than of a line of text.

Line ends may be \\n, \\r\\n or a lone \\r (old Mac exports), mixed in one file: the file is read with
`newline=""`, which splits at each of them and keeps them for the parser.
"""

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# How many characters of a broken row its error shows.
SHOWN_CHARACTERS = 200


@dataclass(frozen=True, slots=True)
class BrokenRow:
    """A line that could not be read as a row of cells: its text (without the line end) and why."""

    line: str
    reason: str

    @property
    def shown(self) -> str:
        return self.line[:SHOWN_CHARACTERS]


def _unclosed_quote() -> str:
    return ('The row opens a quote (") that is never closed; the rows after it were read on their own. '
            "Fix the quote and import this row again.")


def _too_long() -> str:
    return (f"A value in the row is longer than {csv.field_size_limit():,} characters, more than any lead "
            "field holds. Shorten it and import the row again.")


class _Lines:
    """The file's lines for the parser, keeping those of the row being read; lines can be put back."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.source = iter(lines)
        self.put_back: list[str] = []  # read before the source, last first
        self.row: list[str] = []  # the lines of the row being read
        self.ended = False  # the file ended while the row was being read

    def __iter__(self) -> Iterator[str]:
        # A generator rather than __next__: the parser asks for every line of a million-row file.
        row, put_back, source = self.row, self.put_back, self.source
        while True:
            if put_back:
                line = put_back.pop()
            else:
                line = next(source, None)
                if line is None:
                    self.ended = True
                    return
            row.append(line)
            yield line

    def next_row(self) -> None:
        self.row.clear()
        self.ended = False

    def read_again(self, lines: list[str]) -> None:
        self.put_back.extend(reversed(lines))


def _without_line_end(line: str) -> str:
    return line.rstrip("\r\n").replace("\x00", "")


def rows(lines: Iterable[str], delimiter: str, width: int) -> Iterator[list[str] | BrokenRow]:
    """Each row of `lines` (a text file opened with newline="") as its cells, or as a BrokenRow.

    `width` is the number of columns the header has.
    """
    feed = _Lines(lines)
    reader = csv.reader(iter(feed), delimiter=delimiter)
    widest = width  # the widest row read from a single line so far
    while True:
        feed.next_row()
        error: csv.Error | None = None
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as raised:  # lines split at every line end, so in practice a value over the field limit
            cells, error = None, raised
        read = feed.row
        if cells is not None and len(read) == 1:
            widest = max(widest, len(cells))
            yield cells
            continue
        if cells is None and len(read) == 1:
            yield BrokenRow(_without_line_end(read[0]), _too_long() if "field limit" in str(error) else
                            f"The row cannot be read as CSV: {error}.")
            continue
        # Over several lines: the value that outgrew the limit began with the quote on the first line.
        if cells is None or _swallowed_rows(read, cells, delimiter, width, widest, ended=feed.ended):
            yield BrokenRow(_without_line_end(read[0]), _unclosed_quote())
            feed.read_again(read[1:])
            # The parser keeps nothing between rows; a new one reads the lines put back even after the end.
            reader = csv.reader(iter(feed), delimiter=delimiter)
        else:
            yield cells


def _swallowed_rows(
    read: list[str], cells: list[str], delimiter: str, width: int, widest: int, *, ended: bool,
) -> bool:
    """Did the quote that carried this row over several lines swallow the rows after it? (module docstring)"""
    if ended or len(cells) > widest:
        return True
    # The text inside the quoted value, line by line: every line after the first, which opened it, the last
    # one up to the quote that closed it.
    inside = [*read[1:-1], read[-1].partition('"')[0]]
    return width >= 3 and any(line.count(delimiter) == width - 1 for line in inside)
