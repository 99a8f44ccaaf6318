from conftest import LeadFactory
from outreach import approval, drafting, edits
from outreach.models import EmailDraft


def test_words_changed_counts_words_added_removed_or_replaced():
    assert edits.words_changed("a quick note for you", "a quick note for you") == 0
    assert edits.words_changed("a quick note for you", "a short note for you today") == 2
    assert edits.words_changed("", "three new words") == 3
    assert edits.words_changed("hello   there\n", "hello there") == 0  # spacing is not an edit


def test_a_draft_keeps_what_the_machine_wrote_and_approval_counts_the_reps_changes(manager):
    lead = LeadFactory(first_name="Dana")
    draft = drafting.save_draft(lead, EmailDraft.Variant.FIRST_TOUCH,
                                drafting.render_variant(lead, EmailDraft.Variant.FIRST_TOUCH))
    written = draft.body
    assert (draft.original_body, draft.drafted_by) == (written, EmailDraft.GeneratedBy.TEMPLATE)

    approval.save_edit(draft, manager, draft.subject, written.replace("Hi Dana", "Hello Dana", 1))
    approval.approve(draft, manager, send=False)

    draft.refresh_from_db()
    assert draft.generated_by == EmailDraft.GeneratedBy.PERSON  # what it is now ...
    assert draft.drafted_by == EmailDraft.GeneratedBy.TEMPLATE  # ... and who wrote it first
    assert draft.original_body == written and draft.words_changed == 1
