"""The review queue prints its items with console.review_items; the `review-item` partial is the reference markup."""

import re
from copy import deepcopy

import pytest
from django.template.loader import render_to_string

from console import review_items

TOKEN = "csrf-token-for-the-comparison"
ALL_ACTS = {"approve", "save", "reject", "needs_info", "disqualify"}
URLS = {name: f"/drafts/d1/{name}/" for name in ("approve", "save", "reject", "needs_info", "disqualify",
                                                 "regenerate")} | {"lead": "/leads/l1/"}
FULL = {
    "id": "d1", "state": "draft", "state_label": "Draft", "variant_label": "First touch", "gated": True,
    "approval_reason": "Enterprise <5001+> & more", "subject": 'Quick "idea" for Acme',
    "body": "Hi Zoë,\n\n" + "A long line about <b>leads</b> & outreach. " * 10, "urls": URLS, "acts": ALL_ACTS,
    "disqualify_waits": False, "templates": [("first_touch", "First touch"), ("short", "Short & sweet")],
    "template_key": "short", "llm_on": True,
    "lead": {"name": "Zoë O'Brien", "score_label": "HOT", "score_value": 88, "job_title": "VP Sales",
             "company_name": "Acme & Sons", "score_rationale": "Asked for a demo. " * 20},
}


def _kind(**changes):  # type: ignore[no-untyped-def]
    draft = deepcopy(FULL)
    lead = changes.pop("lead", {})
    draft.update(changes)
    draft["lead"].update(lead)
    return draft


KINDS = {
    "everything": FULL,
    "rep on a gated draft": _kind(acts={"save", "needs_info", "disqualify"}, disqualify_waits=True, llm_on=False),
    "manager only, no reason": _kind(acts=set(), approval_reason="", gated=False, templates=[]),
    "unscored, no company": _kind(lead={"score_label": "", "score_value": None, "company_name": "",
                                        "score_rationale": ""}, acts={"approve", "reject"}),
    "approved": _kind(state="approved", state_label="Approved"),
}


def _tidy(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


@pytest.mark.parametrize("draft", KINDS.values(), ids=KINDS.keys())
def test_the_fast_items_print_what_the_reference_partial_prints(draft):
    reference = render_to_string("outreach/review.html#review-item", {"draft": draft, "csrf_token": TOKEN})
    assert _tidy(review_items.item_html(draft, TOKEN)) == _tidy(reference)


def test_every_value_is_escaped():
    html = review_items.items_html([FULL], TOKEN)
    assert "<b>leads</b>" not in html and "&lt;b&gt;leads&lt;/b&gt;" in html
    assert "Acme &amp; Sons" in html and "O&#x27;Brien" in html and "&quot;idea&quot;" in html
