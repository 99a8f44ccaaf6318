"""The review queue's items as HTML, built in Python: the fast path of the `review-item` partial of
`templates/outreach/review.html` for the queue's list.

The template engine spends about 15 µs on each value it prints and each tag it runs; 25 items of about 40
values, five forms and their CSRF fields were more than half of the review page's CPU (bench/ui_bench.py, the
review queue). Here an item is a few format strings and `html.escape` per value. The partial stays the reference
markup, and still answers an action on one item (with its error, notice or warning);
console/tests/test_review_items.py checks that both print the same HTML for every kind of item.
"""

from collections.abc import Iterable
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from console.lead_rows import text

EDIT_ACTS = {"approve", "save"}


def _csrf(token: str) -> str:
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{text(token)}">'


def _head(draft: dict[str, Any]) -> str:
    lead, acts = draft["lead"], draft["acts"]
    disabled = "" if "approve" in acts else " disabled"
    badge = (f'<span class="badge {text(lead["score_label"])}">{text(lead["score_label"])} '
             f'{text(lead["score_value"])}</span>' if lead["score_label"] else "")
    company = f' · {text(lead["company_name"])}' if lead["company_name"] else ""
    gate = (f'<span class="badge gate" title="{text(draft["approval_reason"])}">manager approval</span>'
            if draft["gated"] else "")
    html = (
        '<div class="review-head">\n'
        f'<label class="check" title="Tick for bulk approve"><input type="checkbox" name="draft" '
        f'value="{text(draft["id"])}" form="bulk-form"{disabled}></label>\n'
        f'{badge}\n'
        f'<a class="lead-link" href="{text(draft["urls"]["lead"])}"><strong>{text(lead["name"])}</strong></a>\n'
        f'<span class="muted">{text(lead["job_title"])}{company}</span>\n'
        f'<span class="muted small">{text(draft["variant_label"])}</span>\n'
        f'{gate}\n'
        '</div>\n'
    )
    if lead["score_rationale"]:
        html += f'<p class="why muted small">{text(Truncator(lead["score_rationale"]).chars(200))}</p>\n'
    return html


def _editor(draft: dict[str, Any], csrf: str) -> str:
    acts, urls, pk = draft["acts"], draft["urls"], text(draft["id"])
    target = text(urls["approve"] if "approve" in acts else urls["save"])
    save = (f'<div class="actions"><button type="submit" formaction="{text(urls["save"])}" '
            f'hx-post="{text(urls["save"])}">Save edit</button></div>' if "save" in acts else "")
    return (
        f'<form id="approve-{pk}" method="post" action="{target}" hx-post="{target}">{csrf}\n'
        '<input type="hidden" name="from" value="review">\n'
        '<details class="edit">\n'
        f'<summary><strong>{text(draft["subject"])}</strong> <span class="muted">— '
        f'{text(Truncator(draft["body"]).chars(140))}</span></summary>\n'
        f'<label for="subject-{pk}">Subject</label>\n'
        f'<input id="subject-{pk}" name="subject" value="{text(draft["subject"])}" maxlength="200" required>\n'
        f'<label for="body-{pk}">Body</label>\n'
        f'<textarea id="body-{pk}" name="body" rows="9" required>{text(draft["body"])}</textarea>\n'
        f'{save}\n'
        '</details>\n'
        '</form>\n'
    )


def _actions(draft: dict[str, Any], csrf: str) -> str:
    acts, urls = draft["acts"], draft["urls"]
    if "approve" in acts:
        first = (f'<button type="submit" form="approve-{text(draft["id"])}" class="primary approve">'
                 'Approve &amp; send</button>\n')
    else:
        reason = f' ({text(draft["approval_reason"])})' if draft["approval_reason"] else ""
        first = f'<p class="muted small">Only a manager can approve or reject this draft{reason}.</p>'
    reject = ""
    if "reject" in acts:
        reject = (
            f'<form class="reject" method="post" action="{text(urls["reject"])}" hx-post="{text(urls["reject"])}">'
            f'{csrf}\n<input type="hidden" name="from" value="review">\n'
            '<input name="reason" required placeholder="Reason to reject" aria-label="Reason to reject">'
            '<button type="submit" class="danger">Reject</button>\n</form>\n'
        )
    working = '<span class="htmx-indicator spinner">Working…</span>'
    return f'<div class="review-actions">\n{first}\n{reject}\n{working}\n</div>\n'


def _regenerate(draft: dict[str, Any], csrf: str) -> str:
    if "save" not in draft["acts"]:
        return ""
    pk, url = text(draft["id"]), text(draft["urls"]["regenerate"])
    choose = ""
    if draft["templates"]:
        options = "".join(
            f'<option value="{text(key)}"{" selected" if key == draft["template_key"] else ""}>{text(label)}</option>'
            for key, label in draft["templates"])
        choose = (f'<label for="regen-template-{pk}">Template</label>\n'
                  f'<select id="regen-template-{pk}" name="template">{options}</select>')
    llm = ""
    if draft["llm_on"]:
        llm = ('<label class="check"><input type="checkbox" name="use_llm"> With the LLM</label>\n'
               '<input name="instruction" maxlength="500" placeholder="e.g. shorter, mention the webinar" '
               'aria-label="Instruction for the LLM (optional)">')
    return (
        '<details class="more-actions regenerate">\n<summary>Write it again</summary>\n'
        f'<form class="row wrap" method="post" action="{url}" hx-post="{url}">{csrf}\n'
        '<input type="hidden" name="from" value="review">\n'
        f'{choose}\n{llm}\n<button type="submit" class="shrink">Write it again</button>\n</form>\n</details>\n'
    )


def _more(draft: dict[str, Any], csrf: str) -> str:
    acts, urls = draft["acts"], draft["urls"]
    if "needs_info" not in acts and "disqualify" not in acts:
        return ""
    html = '<details class="more-actions">\n<summary>Ask for info or disqualify</summary>\n'
    if "needs_info" in acts:
        html += (
            f'<form class="row" method="post" action="{text(urls["needs_info"])}" '
            f'hx-post="{text(urls["needs_info"])}">{csrf}\n<input type="hidden" name="from" value="review">\n'
            '<input name="reason" required placeholder="Questions for the lead" '
            'aria-label="Questions for the lead (replaces this draft)"><button type="submit" class="shrink">'
            'Ask for info</button>\n</form>\n'
        )
    if "disqualify" in acts:
        label = "Ask a manager to disqualify" if draft["disqualify_waits"] else "Disqualify"
        html += (
            f'<form class="row" method="post" action="{text(urls["disqualify"])}" '
            f'hx-post="{text(urls["disqualify"])}">{csrf}\n<input type="hidden" name="from" value="review">\n'
            '<input name="reason" required placeholder="Why (e.g. student, competitor)" '
            f'aria-label="Reason to disqualify"><button type="submit" class="danger shrink">{label}</button>\n'
            '</form>\n'
        )
    return html + '</details>\n'


def item_html(draft: dict[str, Any], csrf_token: str) -> str:
    """One queue item as the partial prints it for the list (no error, notice or warning)."""
    opening = (f'<li class="card review-item" id="draft-{text(draft["id"])}" tabindex="-1" hx-target="this" '
               'hx-swap="outerHTML">\n')
    if draft["state"] != "draft":
        return opening + (
            f'<p class="done"><span class="status draft-{text(draft["state"])}">{text(draft["state_label"])}</span> '
            f'<a href="{text(draft["urls"]["lead"])}">{text(draft["lead"]["name"])}</a> — '
            f'{text(draft["subject"])}</p>\n</li>\n')
    csrf = _csrf(csrf_token)
    return (opening + _head(draft) + _editor(draft, csrf) + _actions(draft, csrf) + _regenerate(draft, csrf)
            + _more(draft, csrf) + '</li>\n')


def items_html(drafts: Iterable[dict[str, Any]], csrf_token: str) -> SafeString:
    """Every item's HTML, escaped value by value, so safe to print as is."""
    return mark_safe("".join(item_html(draft, csrf_token) for draft in drafts))  # noqa: S308 - escaped above
