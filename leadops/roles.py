"""Roles are Django groups: reps work leads; managers also tune scoring, change settings and clear gates."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied

REP = "rep"
MANAGER = "manager"


def _group_names(user: AbstractBaseUser) -> set[str]:
    """The user's group names, read once per request and kept on the user object: every page asks
    both "has a role?" (the view) and "is a manager?" (the layout)."""
    if not hasattr(user, "_group_names"):
        user._group_names = set(user.groups.values_list("name", flat=True))  # type: ignore[attr-defined]
    return user._group_names  # type: ignore[attr-defined]


def is_manager(user: AbstractBaseUser | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return MANAGER in _group_names(user)


def has_role(user: AbstractBaseUser | AnonymousUser) -> bool:
    """A rep or a manager: someone who works leads. Signed-in users in no group see nothing."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return bool(_group_names(user) & {REP, MANAGER})


def role_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse (403) a signed-in user who is neither a rep nor a manager."""

    @wraps(view)
    def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
        if not has_role(request.user):
            raise PermissionDenied("Only reps and managers can do this.")
        return view(request, *args, **kwargs)

    return wrapper


def manager_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse (403) a signed-in user who is not a manager."""

    @wraps(view)
    def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
        if not is_manager(request.user):
            raise PermissionDenied("Only managers can do this.")
        return view(request, *args, **kwargs)

    return wrapper
