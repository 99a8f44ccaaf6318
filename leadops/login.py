"""Signing in: password guessing is slowed down without locking the account's owner out.

Three limits, each in the shared cache:

- per client address (LOGIN_RATE_LIMIT) and per address and username (LOGIN_ACCOUNT_RATE_LIMIT):
  the address that guesses is refused (429); nobody else is.
- per username, from any address: after LOGIN_SLOWDOWN_AFTER failed sign-ins in a row each attempt
  waits longer, the wait doubling from one second up to LOGIN_SLOWDOWN_MAX_SECONDS, and one attempt
  is let through per wait. A browser that signed in as that user before carries a signed device
  cookie and is never slowed down: the real owner gets in while someone else keeps guessing. A
  successful sign-in ends the slowdown.

A username is never locked: guesses spread over many addresses get slower, not the owner's door shut.
"""

import hashlib
import logging
import math
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django_ratelimit.core import _get_ip as client_address  # its "ip" key: RATELIMIT_IP_META_KEY, IPv6 /64
from django_ratelimit.decorators import ratelimit
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

DEVICE_COOKIE = "leadops_device"
DEVICE_SALT = "leadops.login.device"
DEVICE_MAX_AGE = 180 * 24 * 3600
# Failed sign-ins are forgotten after a day without one.
FAILURES_KEPT = 24 * 3600


def _account(username: str) -> str:
    """The username as the limits count it: case and spaces do not make another account to guess."""
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]


def _address_and_account(group: str, request: HttpRequest) -> str:
    return f"{client_address(request)}:{_account(request.POST.get('username', ''))}"


def _trusted(request: HttpRequest, username: str) -> bool:
    """This browser signed in as `username` before (its device cookie says so, signed by us)."""
    token = request.COOKIES.get(DEVICE_COOKIE, "")
    if not token:
        return False
    try:
        return signing.loads(token, salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE) == _account(username)
    except signing.BadSignature:
        return False


def wait_before_trying(username: str) -> int:
    """Seconds this attempt must wait for the username (0: go ahead); lets one attempt through per wait."""
    account = _account(username)
    key = f"login:wait:{account}"
    try:
        failures = cache.get(f"login:failures:{account}", 0)
        if failures < settings.LOGIN_SLOWDOWN_AFTER:
            return 0
        delay = min(2 ** (failures - settings.LOGIN_SLOWDOWN_AFTER), settings.LOGIN_SLOWDOWN_MAX_SECONDS)
        now = time.time()
        # The key holds when the next attempt may come; its expiry only tidies up.
        if cache.add(key, now + delay, timeout=FAILURES_KEPT):
            return 0
        until = cache.get(key) or 0
        if until <= now:
            cache.set(key, now + delay, timeout=FAILURES_KEPT)
            return 0
    except RedisError:
        # Without the cache the per-username slowdown cannot be counted; signing in must still work.
        logger.warning("Login slowdown skipped: the cache is unavailable")
        return 0
    return max(1, math.ceil(until - now))


def _count_failure(username: str) -> None:
    key = f"login:failures:{_account(username)}"
    try:
        if not cache.add(key, 1, timeout=FAILURES_KEPT):
            cache.incr(key)
            cache.touch(key, FAILURES_KEPT)
    except (RedisError, ValueError):  # ValueError: the key expired between add and incr
        logger.warning("Login failure not counted for the slowdown")


def _forget_failures(username: str) -> None:
    account = _account(username)
    try:
        cache.delete_many([f"login:failures:{account}", f"login:wait:{account}"])
    except RedisError:
        logger.warning("Login slowdown not reset: the cache is unavailable")


@method_decorator(
    [
        ratelimit(key="ip", rate=lambda group, request: settings.LOGIN_RATE_LIMIT, method="POST", block=True),
        ratelimit(key=_address_and_account, rate=lambda group, request: settings.LOGIN_ACCOUNT_RATE_LIMIT,
                  method="POST", block=True),
    ],
    name="post",
)
class LoginView(auth_views.LoginView):
    """Django's login page with the per-username slowdown and the device cookie."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = request.POST.get("username", "")
        wait = 0 if _trusted(request, username) else wait_before_trying(username)
        if not wait:
            return super().post(request, *args, **kwargs)
        # The password is not even checked: a guess made while the username is slowed down tells nothing.
        form = self.get_form_class()(request, initial={"username": username})
        response = self.render_to_response(self.get_context_data(form=form, login_wait=wait))
        response.status_code = 429
        response["Retry-After"] = str(wait)
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        username = self.request.POST.get("username", "")
        response = super().form_valid(form)
        _forget_failures(username)
        response.set_cookie(
            DEVICE_COOKIE, signing.dumps(_account(username), salt=DEVICE_SALT), max_age=DEVICE_MAX_AGE,
            secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax",
        )
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        if self.request.POST.get("username") and self.request.POST.get("password"):
            _count_failure(self.request.POST["username"])
        return super().form_invalid(form)
