"""How much a person changed a machine's draft: the words added, removed or replaced (word-level Levenshtein).

Words rather than characters: fixing one name counts one change, not six, and a draft's few hundred words
compare in a millisecond (characters would be a few thousand squared).
"""


def words_changed(before: str, after: str) -> int:
    """The fewest word insertions, deletions and substitutions that turn `before` into `after`."""
    old, new = before.split(), after.split()
    if len(old) < len(new):
        old, new = new, old
    previous = list(range(len(new) + 1))
    for row, old_word in enumerate(old, start=1):
        current = [row]
        for column, new_word in enumerate(new, start=1):
            current.append(min(previous[column] + 1, current[column - 1] + 1,
                               previous[column - 1] + (old_word != new_word)))
        previous = current
    return previous[-1]


def draft_words_changed(original_subject: str, original_body: str, subject: str, body: str) -> int | None:
    """Words changed in subject and body; None when the original was not kept (drafts made before it was)."""
    if not original_body:
        return None
    return words_changed(f"{original_subject}\n{original_body}", f"{subject}\n{body}")
