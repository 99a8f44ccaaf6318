from leadops import runtime
from outreach.compliance import footer_for, lint, lint_draft

FOOTER_TO = "dana@acme-industries.com"
GOOD_BODY = "Hi Dana,\n\nThanks for reaching out about lead routing. Would a short call next week help?\n\nSam"


def _lint(subject: str = "Lead routing at Acme", body: str = GOOD_BODY, footer: str | None = None):  # type: ignore[no-untyped-def]
    return lint(subject, body, footer_for(FOOTER_TO) if footer is None else footer)


def test_a_plain_polite_email_passes(db):
    result = _lint()
    assert result.ok and result.warnings == []


def test_it_blocks_a_missing_or_overlong_subject_and_says_how_long(db):
    assert _lint(subject="  ").blocking == ["Subject is empty."]
    assert _lint(subject="x" * 101).blocking == ["Subject is 101 characters; the limit is 100."]


def test_it_blocks_bodies_that_are_too_short_or_too_long(db):
    assert _lint(body="Hi, call me?").blocking == ["Body is 12 characters; it needs at least 50."]
    assert _lint(body="word " * 500).blocking == ["Body is 2499 characters; the limit is 2000."]


def test_it_blocks_a_footer_without_unsubscribe_link_or_postal_address(db):
    problems = _lint(footer="Regards").blocking
    assert "Footer has no unsubscribe link." in problems
    assert any("postal address" in problem for problem in problems)


def test_it_names_each_unresolved_placeholder(db):
    result = _lint(subject="{company_name} and you", body=GOOD_BODY + " Hi [FIRST NAME], see {{ pain }} [[if x]]")
    assert result.blocking == [
        "Subject has unresolved placeholders: {company_name}.",
        "Body has unresolved placeholders: [FIRST NAME], [[if x]], {{ pain }}.",
    ]


def test_approval_blocks_placeholders_in_any_case_markers_and_prompt_wording(db):
    result = _lint(subject="Assessing lead data", body=GOOD_BODY + "\n\nBest,\n[Your Name], [phone]")

    assert result.blocking == [
        "Body has unresolved placeholders: [Your Name], [phone].",
        "Reads as notes about a lead, not an email to a person: assessing, lead data.",
    ]


def test_prohibited_terms_come_from_the_run_time_setting(db):
    runtime.update({"PROHIBITED_TERMS": "free money, no brainer"})
    assert _lint(body=GOOD_BODY + " It is a No Brainer.").blocking == ["Uses the prohibited term 'no brainer'."]
    # The environment's default list no longer applies once a manager replaced it.
    assert _lint(body=GOOD_BODY + " Guaranteed results.").ok


def test_tone_problems_are_warnings_not_blockers(db):
    result = _lint(subject="BIG NEWS FOR YOU", body=GOOD_BODY + " This is HUGE, REALLY AMAZING stuff!!! Last chance.")
    assert result.ok
    assert [warning.split(" ")[0] for warning in result.warnings] == ["Subject", "Shouting:", "Excessive", "Pressure"]


def test_a_draft_is_linted_with_the_footer_its_recipient_will_get(draft_factory):
    draft = draft_factory(to_email="")
    assert draft.recipient == draft.lead.email.lower()
    assert lint_draft(draft) == lint(draft.subject, draft.body, footer_for(draft.lead.email))
    assert lint_draft(draft).ok
