"""How an answer reads on the page: its text with unsupported figures marked, its leads as links, and the tool
calls of "what I looked up" in words rather than as code."""

import json
import re
from typing import Any

from django import template
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe

from assistant.engine import listed_lead_ids
from assistant.models import Message, ProposedAction
from leads.models import Lead

register = template.Library()
LEAD_LINKS = 25


@register.filter
def answer_html(message: Message) -> SafeString:
    """The answer as paragraphs; each figure no tool result backs is marked (escaped first, then marked)."""
    text = escape(message.text).replace("**", "")
    for figure in message.unsupported:
        text = re.sub(rf"(?<![\w.,]){re.escape(escape(figure))}(?![\w])",
                      f'<mark class="unsupported" title="Not found in what I looked up">{escape(figure)}</mark>', text)
    return mark_safe(linebreaks(text, autoescape=False))  # noqa: S308 - escaped above


def _leads(ids: list[str]) -> list[Lead]:
    found = {str(lead.pk): lead for lead in Lead.objects.filter(pk__in=ids[:LEAD_LINKS])}
    return [found[lead_id] for lead_id in ids[:LEAD_LINKS] if lead_id in found]


@register.filter
def answer_leads(message: Message) -> list[Lead]:
    """The leads the answer's own tool calls listed (not the previous answer's, which it may only refer to)."""
    return _leads(listed_lead_ids(call.result for call in message.tool_calls.all()))


@register.filter
def action_leads(action: ProposedAction) -> list[Lead]:
    return _leads(action.lead_ids[:10])


@register.filter
def tool_label(name: str) -> str:
    return name.removeprefix("propose_").replace("_", " ").capitalize()


@register.filter
def tool_arguments(arguments: dict[str, Any]) -> str:
    shown = {key: value for key, value in arguments.items() if value not in ("", None, False, [])}
    return ", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in shown.items())


@register.filter
def tool_result(result: dict[str, Any]) -> str:
    """The result as the model read it, without the lead ids and links (the lead links are listed above)."""

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: clean(item) for key, item in value.items() if key not in ("id", "url", "action_id")}
        if isinstance(value, list):
            return [clean(item) for item in value if not (isinstance(item, dict) and set(item) == {"id"})]
        return value

    return json.dumps(clean(result), ensure_ascii=False, indent=1, default=str)[:4000]
