"""The Assistant's pages: the full page (history and one conversation), the panel every staff page opens, asking,
the streamed answer, and confirming or cancelling a proposed action. HTTP only; the work is in the engine."""

import json
import uuid
from collections.abc import Iterator

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from assistant import actions, engine
from assistant.models import Conversation, Message, ProposedAction
from leadops.http import HtmxHttpRequest
from leadops.roles import role_required

TEMPLATE = "assistant/assistant.html"
SUGGESTIONS = ("How many leads replied this week?", "What should I focus on today?",
               "Which leads are most likely to convert?", "Show me the top performing sequences")


def _context(request: HtmxHttpRequest, conversation: Conversation | None) -> dict[str, object]:
    messages = list(conversation.messages.prefetch_related("tool_calls", "actions")) if conversation else []
    return {"conversation": conversation, "chat": messages, "suggestions": SUGGESTIONS,
            "conversations": request.user.conversations.order_by("-updated_at")[:30],
            "notifications": list(request.user.notifications.filter(read_at__isnull=True)[:5]),
            "llm_mode": engine.mode(), "fallback_links": fallback_links()}


def fallback_links() -> list[tuple[str, str]]:
    """The saved searches and reports that answer the common questions without the assistant."""
    dashboard = reverse("leads:dashboard")
    return [("HOT leads not yet contacted", f"{dashboard}?label=HOT&status=QUALIFIED"),
            ("The review queue", reverse("outreach:review")),
            ("New leads from events", f"{dashboard}?source=event&status=NEW"),
            ("Every lead, newest first", f"{dashboard}?status=all")]


def _own(request: HtmxHttpRequest, conversation_id: uuid.UUID) -> Conversation:
    return get_object_or_404(Conversation, pk=conversation_id, user=request.user)


@role_required
@require_GET
def assistant_page(request: HtmxHttpRequest, conversation_id: uuid.UUID | None = None) -> HttpResponse:
    conversation = _own(request, conversation_id) if conversation_id else None
    context = _context(request, conversation)
    if request.htmx and request.htmx.target == "assistant-panel-content":
        return render(request, f"{TEMPLATE}#panel", context | {"in_panel": True})
    return render(request, TEMPLATE, context)


@role_required
@require_GET
def panel(request: HtmxHttpRequest) -> HttpResponse:
    """The panel every staff page opens: the latest conversation, and the unread notices (then marked read)."""
    conversation = request.user.conversations.order_by("-updated_at").first()
    context = _context(request, conversation) | {"in_panel": True}
    request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
    return render(request, f"{TEMPLATE}#panel", context)


def _conversation_asked(request: HtmxHttpRequest) -> Conversation:
    """The conversation the question continues (the user's own), or a new one."""
    try:
        return _own(request, uuid.UUID(request.POST.get("conversation", "")))
    except ValueError:
        return Conversation.objects.create(user=request.user)


@role_required
@require_POST
def ask(request: HtmxHttpRequest) -> HttpResponse:
    question = request.POST.get("question", "").strip()
    conversation = _conversation_asked(request)
    if not question:
        context = _context(request, conversation) | {"error": "Type a question first."}
        return render(request, f"{TEMPLATE}#ask-form" if request.htmx else TEMPLATE, context, status=422)
    if not request.htmx:
        engine.ask(conversation, question)
        return redirect(conversation)
    answer = engine.start(conversation, question)
    question_message = conversation.messages.filter(role=Message.Role.USER).order_by("-created_at").first()
    return render(request, f"{TEMPLATE}#exchange",
                  {"chat": [question_message, answer], "conversation": conversation, "swap_form": True})


@role_required
@require_GET
def stream(request: HtmxHttpRequest, message_id: uuid.UUID) -> StreamingHttpResponse:
    """Server-sent events while the answer is written: each tool run, each piece of text, then the answer."""
    answer = get_object_or_404(Message, pk=message_id, conversation__user=request.user, role=Message.Role.ASSISTANT)

    def events() -> Iterator[str]:
        for kind, value in engine.finish(answer):
            yield f"event: {kind}\ndata: {json.dumps(value)}\n\n"
        answer.refresh_from_db()
        html = render_to_string(f"{TEMPLATE}#message", {"message": answer}, request=request)
        yield f"event: done\ndata: {json.dumps(html)}\n\n"

    response = StreamingHttpResponse(events(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


@role_required
@require_GET
def message(request: HtmxHttpRequest, message_id: uuid.UUID) -> HttpResponse:
    answer = get_object_or_404(Message, pk=message_id, conversation__user=request.user)
    if not request.htmx:
        return redirect(answer.conversation)
    return render(request, f"{TEMPLATE}#message", {"message": answer})


def _decided(request: HtmxHttpRequest, action_id: uuid.UUID, decide: str) -> HttpResponse:
    action = get_object_or_404(ProposedAction, pk=action_id)
    if action.user_id != request.user.pk:
        raise PermissionDenied("Only the person it was proposed to can decide on this action.")
    action = actions.confirm(action, request.user) if decide == "confirm" else actions.cancel(action, request.user)
    if not request.htmx:
        return redirect(action.message.conversation) if action.message else redirect("assistant:page")
    return render(request, f"{TEMPLATE}#action", {"action": action})


@role_required
@require_POST
def confirm_action(request: HtmxHttpRequest, action_id: uuid.UUID) -> HttpResponse:
    return _decided(request, action_id, "confirm")


@role_required
@require_POST
def cancel_action(request: HtmxHttpRequest, action_id: uuid.UUID) -> HttpResponse:
    return _decided(request, action_id, "cancel")
