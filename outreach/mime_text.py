"""The text of one MIME part, whatever its charset, and the text of an HTML part.

Mail names charsets Python does not know ("x-mac-klingon", misspelt "utf8x"); such a part is decoded
by charset-normalizer's best guess (already a dependency) rather than dropped or failing the message.
"""

import re
from email.message import Message
from html.parser import HTMLParser

from charset_normalizer import from_bytes


class _TextOfHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:  # type: ignore[type-arg]
        if tag in ("style", "script", "head"):
            self._skipping += 1
        elif tag in ("br", "p", "div", "tr", "li", "blockquote"):
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "head"):
            self._skipping = max(0, self._skipping - 1)

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.chunks.append(data)


def html_to_text(html: str) -> str:
    reader = _TextOfHtml()
    reader.feed(html)
    return re.sub(r"\n\s*\n+", "\n\n", "".join(reader.chunks)).strip()


def part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset)
    except (LookupError, UnicodeDecodeError):
        guess = from_bytes(payload).best()
        return str(guess) if guess is not None else payload.decode("utf-8", errors="replace")
