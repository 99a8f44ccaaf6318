"""Template context every staff page's base layout reads."""

from typing import Any

from django.http import HttpRequest

from leadops.roles import is_manager


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Which role the user has: the menu shows a manager's links only to managers."""
    user = getattr(request, "user", None)
    return {"is_manager": bool(user and is_manager(user))}
