"""Roles are Django groups: reps work leads; managers also tune scoring, change settings and clear gates."""

from functools import wraps
from typing import Any, Callable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied

REP = "rep"
MANAGER = "manager"


def is_manager(user: AbstractBaseUser | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    # Cached on the user object: the layout asks on every page.
    if not hasattr(user, "_is_manager"):
        user._is_manager = user.groups.filter(name=MANAGER).exists()  # type: ignore[union-attr]
    return user._is_manager  # type: ignore[union-attr]


def has_role(user: AbstractBaseUser | AnonymousUser) -> bool:
    """A rep or a manager: someone who works leads. Signed-in users in no group see nothing."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if not hasattr(user, "_has_role"):
        user._has_role = user.groups.filter(name__in=(REP, MANAGER)).exists()  # type: ignore[union-attr]
    return user._has_role  # type: ignore[union-attr]


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
