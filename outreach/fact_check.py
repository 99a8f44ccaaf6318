"""Does a written email state facts its inputs do not hold? Every number and proper noun must come from them.

`unsupported_facts(subject, body, sources)` lists the numbers and proper nouns of an LLM's subject and body
that none of `sources` (the lead's fields, its company, the sender's identity, the template, a rep's note)
contains, as words a rep reads ("the number 40", "the name Salesforce"); an empty list means the email invents
nothing checkable. `outreach.llm_drafting` falls back to the template when it is not empty.

- A number is any figure ("3,000", "$20k", "Q3", "30 %") or a number word from two upward ("fourteen"), compared
  by value: "14 reps" is supported by "fourteen reps" and "3000" by "3,000".
- A proper noun is a capitalised word inside a sentence ("at Acme", "with Priya"), or one that reads as a name
  wherever it stands (inner capitals "HubSpot", an acronym "IBM", a possessive "Acme's"). The first word of a
  sentence, and every word of a title-case subject, is an ordinary word unless it has that shape: English
  capitalises it anyway. A word counts as supported when the sources hold it in any case.
"""

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

_NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000, "million": 1_000_000,
    "dozen": 12,
}
_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# Words that are capitalised but name nothing about anyone: the pronoun, and sales teams' everyday acronyms.
_ALWAYS_ORDINARY = frozenset({"i", "i'm", "i'd", "i'll", "i've", "ok", "okay", "ai", "api", "crm", "csv", "faq",
                              "kpi", "kpis", "roi", "saas", "sdr", "sdrs", "sso"})
# Where a sentence starts: after its end mark, or at the start of a line after a bullet or an opening quote.
_SENTENCE_END = re.compile(r"([.!?]|^|\n)[\s\-•*\"“‘'(]*$")


def _value(figure: str) -> str:
    """A figure as a canonical value: "3,000" and "3000" are one, "4.5" stays itself, "007" is "7"."""
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", figure):
        figure = re.sub(r"[.,]", "", figure)
    try:
        return format(Decimal(figure.replace(",", ".")).normalize(), "f")
    except InvalidOperation:
        return figure


def _numbers(text: str) -> set[str]:
    found = {_value(figure) for figure in _FIGURE.findall(text)}
    found |= {str(_NUMBER_WORDS[word.lower()]) for word in _WORD.findall(text) if word.lower() in _NUMBER_WORDS}
    return found


def _looks_like_name(word: str, following: str) -> bool:
    """A name by its shape alone: inner capitals (HubSpot), an acronym (IBM, CRM), a possessive (Acme's)."""
    core = re.sub(r"['’]s$", "", word)
    return (any(letter.isupper() for letter in core[1:]) or (len(core) >= 2 and core.isupper())
            or word != core or following.startswith(("'s", "’s")))


def _title_case(text: str) -> bool:
    words = [word for word in _WORD.findall(text) if len(word) > 3]
    return len(words) >= 2 and sum(word[0].isupper() for word in words) >= 2 / 3 * len(words)


def _proper_nouns(text: str, *, title: bool = False) -> list[str]:
    nouns = []
    for match in _WORD.finditer(text):
        word = match.group(0)
        if not word[0].isupper() or word.lower() in _ALWAYS_ORDINARY:
            continue
        before, after = text[:match.start()], text[match.end():match.end() + 2]
        opening = title or bool(_SENTENCE_END.search(before))
        if not opening or _looks_like_name(word, after):
            nouns.append(re.sub(r"['’]s$", "", word))
    return nouns


def unsupported_facts(subject: str, body: str, sources: Iterable[str]) -> list[str]:
    """The numbers and proper nouns in subject and body that no source holds, in the order they first appear."""
    known = "\n".join(source for source in sources if source)
    known_words = {word.lower() for word in _WORD.findall(known)}
    known_words |= {re.sub(r"['’]s$", "", word) for word in known_words}
    known_numbers = _numbers(known)
    missing: list[str] = []
    for text, title in ((subject, _title_case(subject)), (body, False)):
        for figure in _FIGURE.findall(text):
            if _value(figure) not in known_numbers:
                missing.append(f"the number {figure}")
        for word in _WORD.findall(text):
            value = _NUMBER_WORDS.get(word.lower())
            if value is not None and str(value) not in known_numbers:
                missing.append(f"the number {word}")
        for noun in _proper_nouns(text, title=title):
            if noun.lower() not in known_words:
                missing.append(f"the name {noun}")
    return list(dict.fromkeys(missing))
