"""Template context every staff page's base layout reads."""

from typing import Any

from django.http import HttpRequest

from leadops import llm
from leadops.roles import is_manager


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Which role the user has (the menu shows a manager's links only to managers), and for managers
    whether the LLM is failing, so they hear it from the page rather than from odd scores."""
    user = getattr(request, "user", None)
    manager = bool(user and is_manager(user))
    context: dict[str, Any] = {"is_manager": manager}
    if manager:
        status = llm.status()
        if not status["ok"]:
            context["llm_trouble"] = (
                "The AI assistant is not answering ("
                + ("paused after repeated failures" if status.get("breaker") == "open" else "its last call failed")
                + "). Leads are scored by the rules and drafts come from the templates until it answers again."
            )
    return context
