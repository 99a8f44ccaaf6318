"""The layout's Assistant button shows how many notices wait unread."""

from typing import Any

from django.http import HttpRequest

from assistant.models import Notification


def unread(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {"assistant_unread": Notification.objects.filter(user=user, read_at__isnull=True).count()}
