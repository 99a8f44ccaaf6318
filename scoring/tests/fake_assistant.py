"""How the fake OpenAI server (fake_openai.py) answers the assistant: like a small, literal model.

A question is routed to a tool by its words (`plan`), in the native tool-calling shape or, when the request
carries the JSON-schema step, as a step; once a tool result is in, the "model" answers from it alone, giving
only numbers the result holds (so a grounded answer is what a well-behaved model would write). Tests script
other behaviour (a tool call it should not make, a made-up figure) with `Reply(tool_calls=...)` or content.
"""

import json
import re
from typing import Any

STEP_SCHEMA_NAME = "assistant_step"


def _company(question: str) -> str:
    match = re.search(r"\b(?:from|for|at|of|with) ([A-Z][\w&.-]*(?: [A-Z][\w&.-]*)*)", question)
    name = match.group(1) if match else ""
    return "" if name.upper() in ("HOT", "WARM", "COLD", "I") else name


def plan(question: str) -> tuple[str, dict[str, Any]] | None:
    """The tool and arguments a literal model picks for a question; None when it would just answer."""
    text = question.lower()
    company = _company(question)
    # "that lead from Acme" names its lead; "that lead" alone means the previous answer's.
    previous = bool(re.search(r"\b(those|them|that lead|these)\b", text)) and not company
    selection: dict[str, Any] = {"use_previous_results": True} if previous else {}
    period = next((name for words, name in (("today", "today"), ("this week", "this_week"),
                                            ("last 7 days", "last_7_days"), ("this month", "this_month"),
                                            ("last 30 days", "last_30_days"), ("this year", "this_year"),
                                            ("ever", "all_time"), ("all time", "all_time")) if words in text),
                  "this_week")
    group = next((name for name in ("source", "label", "owner") if f"by {name}" in text), "")
    if "sequence step" in text:
        group = "sequence_step"
    number = re.search(r"\b(\d+)\b", text)
    filters = _filters(text, company)
    target = selection or filters
    if "review queue" in text or "waiting for review" in text or "to review" in text:
        return "review_queue", {}
    if "add" in text and "list" in text:
        name = re.search(r"list (?:called|named) ['\"“]?([\w ]+?)['\"”]?$", question.strip().rstrip("?."))
        return "propose_add_to_list", target | {"list_name": name.group(1) if name else "My list"}
    if "pause" in text:
        return "propose_pause_sequences", target
    if "stop" in text and "sequence" in text:
        return "propose_stop_sequences", target
    if "report" in text and ("every" in text or "schedule" in text or "send me" in text):
        hour = re.search(r"(\d{1,2})\s*(am|pm)", text)
        value = int(hour.group(1)) % 12 + (12 if hour and hour.group(2) == "pm" else 0) if hour else 9
        weekly = "week" in text or "monday" in text
        return "propose_report", {"cadence": "weekly" if weekly else "daily", "hour": value,
                                  **({"weekday": 0} if weekly else {})}
    if "research" in text or "qualify" in text or "re-run" in text:
        return "propose_requalify", selection or {"newest": int(number.group(1)) if number else 10}
    if "assign" in text:
        owner = re.search(r"\bto (\w+)", question)
        return "propose_assign_owner", target | {"owner_username": owner.group(1) if owner else "me"}
    if "task" in text or "remind" in text:
        kind = "CALL" if "call" in text else "EMAIL" if "email" in text else "CUSTOM"
        return "propose_task", target | {"title": "Follow up", "kind": kind, "due_in_days": 1}
    if "follow-up" in text or "follow up" in text or "draft" in text:
        return "propose_follow_up", selection or ({"replied": "interested"} if "interested" in text else filters)
    if "approach" in text:
        industry = re.search(r"\b(\w+) compan", text)
        return "approach_used", ({"industry": industry.group(1)} if industry else selection or filters)
    if "focus" in text:
        return "focus_today", {}
    if "likely to convert" in text or "best leads" in text:
        return "search_leads", {"sort": "score", "limit": 10}
    if "pattern" in text or "deals we won" in text or "won deals" in text:
        return "won_deal_patterns", {}
    if "sequence" in text:
        return "sequence_performance", {}
    if "pipeline" in text or "funnel" in text:
        return "pipeline_report", {}
    if "history" in text and company:
        return "company_history", {"company": company}
    if "what happened" in text or "tell me about" in text or previous and "lead" in text:
        return "lead_detail", selection or {"search": company}
    for words, event in (("interested", "interested_replies"), ("repl", "replies"), ("bounce", "bounces"),
                         ("unsubscri", "unsubscribes"), ("sent", "sends"), ("sends", "sends"),
                         ("new leads", "new_leads"), ("convert", "conversions"), ("conversion", "conversions"),
                         ("meeting", "meetings"), ("won", "won_deals")):
        if words in text and ("how many" in text or "count" in text or "rate" in text or group):
            return "count_events", {"event": event, "period": period, **({"group_by": group} if group else {})}
    if "mine" in text or "my leads" in text:
        filters["owner"] = "me"
    return "search_leads", selection or filters


def _filters(text: str, company: str) -> dict[str, Any]:
    """The lead filters a question names: label, source, uncontacted, company."""
    arguments: dict[str, Any] = {}
    for label in ("hot", "warm", "cold"):
        if re.search(rf"\b{label}\b", text):
            arguments["label"] = label.upper()
    for source in ("event", "referral", "partner", "outbound", "web_form"):
        if re.search(rf"\b{source.replace('_', ' ')}s?\b", text):
            arguments["source"] = source
    if "contacted" in text and ("not" in text or "n't" in text):
        arguments["status"] = "uncontacted"
    if company:
        arguments["search"] = company
    return arguments


def _question(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message["role"] == "user" and not str(message.get("content", "")).startswith(("Result of ", "Answer ")):
            return str(message["content"]).split("\n\n(The previous answer")[0]
    return ""


def _results(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tool results since the question, newest last."""
    found: list[dict[str, Any]] = []
    for message in reversed(messages):
        content = str(message.get("content") or "")
        if message["role"] == "tool":
            found.append(json.loads(content))
        elif message["role"] == "user" and content.startswith("Result of "):
            found.append(json.loads(content.split(": ", 1)[1]))
        elif message["role"] == "user" and not content.startswith("Answer "):
            break
    return found[::-1]


def answer_from(result: dict[str, Any]) -> str:
    """A short answer that gives only what the result holds."""
    if "error" in result:
        return f"I could not do that: {result['error']}"
    if "proposed_action" in result:
        action = result["proposed_action"]
        return f"I proposed this: {action['summary']}. Confirm or cancel it above; nothing has changed yet."
    parts = [f"{key.replace('_', ' ')}: {value}" for key, value in result.items()
             if isinstance(value, int | float) and not isinstance(value, bool)]
    names = [f"{row['name']} ({row['company']})" for row in result.get("leads", []) if isinstance(row, dict)
             and row.get("name")][:5]
    if names:
        parts.append("leads: " + ", ".join(names))
    if result.get("best_template"):
        parts.append(f"best template: {result['best_template']}")
    if result.get("sequences") and "leads_replied" in result["sequences"][0]:
        best = result["sequences"][0]
        parts.append(f"best sequence: {best['sequence']} with {best['leads_replied']} replies")
    return ("Here is what I found. " + "; ".join(parts) + ".") if parts else "I found nothing that matches."


def reply(request: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """(content, tool calls) for an assistant request."""
    messages = request["messages"]
    results = _results(messages)
    step_mode = STEP_SCHEMA_NAME in json.dumps(request.get("response_format") or {})
    if results or messages[-1]["role"] == "user" and str(messages[-1]["content"]).startswith("Answer "):
        if step_mode:
            return json.dumps({"tool": "answer"}), []
        return (answer_from(results[-1]) if results else "I found nothing that matches."), []
    chosen = plan(_question(messages))
    if chosen is None:
        return ("I can answer questions about your leads." if not step_mode else json.dumps({"tool": "answer"})), []
    name, arguments = chosen
    if step_mode:
        return json.dumps({"tool": name, "arguments": arguments}), []
    if request.get("tools"):
        return "", [{"name": name, "arguments": arguments}]
    return "I could not look that up.", []


def is_assistant(request: dict[str, Any]) -> bool:
    messages = request.get("messages") or [{}]
    return str(messages[0].get("content", "")).startswith("You are Ask LeadOps")
