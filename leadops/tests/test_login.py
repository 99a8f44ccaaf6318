"""Signing in: limits per address and per address and username, a slowdown per username, no lockout."""

import pytest
import time_machine
from django.test import Client

from leadops.login import DEVICE_COOKIE

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def _sign_in(client: Client, username: str, password: str, address: str):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


# Frozen: the limits count per minute, and a test crossing into the next one would start afresh.
@time_machine.travel("2026-11-17 10:00:00Z", tick=False)
def test_ten_wrong_passwords_from_one_address_do_not_lock_the_owner_out_from_another(manager):
    attacker = Client()
    answers = [_sign_in(attacker, manager.username, "guess", "203.0.113.7").status_code for _ in range(10)]
    assert 429 in answers  # the guessing address is stopped

    response = _sign_in(Client(), manager.username, PASSWORD, "198.51.100.20")

    assert response.status_code == 302


@time_machine.travel("2026-11-17 10:00:00Z", tick=False)
def test_one_address_is_limited_per_username_and_in_all(rep, manager, settings):
    settings.LOGIN_RATE_LIMIT, settings.LOGIN_ACCOUNT_RATE_LIMIT = "6/m", "3/m"
    client = Client()
    assert [_sign_in(client, rep.username, "guess", "203.0.113.7").status_code for _ in range(4)] == [
        200, 200, 200, 429]
    assert _sign_in(client, manager.username, "guess", "203.0.113.7").status_code == 200  # another username
    assert _sign_in(client, manager.username, "guess", "203.0.113.7").status_code == 200
    assert _sign_in(client, manager.username, PASSWORD, "203.0.113.7").status_code == 429  # the address's 7th


def test_guesses_from_many_addresses_slow_the_username_down_but_its_owners_browser_gets_in(manager, settings):
    settings.LOGIN_SLOWDOWN_AFTER = 4
    owner = Client()
    assert _sign_in(owner, manager.username, PASSWORD, "198.51.100.20").status_code == 302  # an earlier visit
    owner.post("/accounts/logout/")
    assert DEVICE_COOKIE in owner.cookies

    with time_machine.travel("2026-11-17 10:00:00Z", tick=False) as clock:
        for number in range(4):
            assert _sign_in(Client(), manager.username, "guess", f"203.0.113.{number}").status_code == 200
        assert _sign_in(Client(), manager.username, "guess", "203.0.113.50").status_code == 200  # one per wait
        slowed = _sign_in(Client(), manager.username, PASSWORD, "192.0.2.9")
        assert slowed.status_code == 429 and slowed["Retry-After"] == "1"
        assert "Wait 1 second and try again." in slowed.content.decode()

        clock.shift(1)
        assert _sign_in(Client(), manager.username, "guess", "203.0.113.51").status_code == 200
        assert _sign_in(Client(), manager.username, PASSWORD, "192.0.2.9")["Retry-After"] == "2"  # it grows

        assert _sign_in(owner, manager.username, PASSWORD, "198.51.100.20").status_code == 302


def test_a_successful_sign_in_ends_the_slowdown(manager, settings):
    settings.LOGIN_SLOWDOWN_AFTER = 2
    with time_machine.travel("2026-11-17 10:00:00Z", tick=False):
        for number in range(3):
            _sign_in(Client(), manager.username, "guess", f"203.0.113.{number}")
        assert _sign_in(Client(), manager.username, PASSWORD, "192.0.2.1").status_code == 429

    with time_machine.travel("2026-11-17 10:01:00Z", tick=False):
        assert _sign_in(Client(), manager.username, PASSWORD, "192.0.2.1").status_code == 302
        assert _sign_in(Client(), manager.username, "guess", "203.0.113.9").status_code == 200
        assert _sign_in(Client(), manager.username, PASSWORD, "192.0.2.2").status_code == 302


def test_a_device_cookie_for_another_user_or_forged_earns_no_exemption(rep, manager, settings):
    settings.LOGIN_SLOWDOWN_AFTER = 1
    client = Client()
    assert _sign_in(client, rep.username, PASSWORD, "198.51.100.20").status_code == 302
    client.post("/accounts/logout/")
    with time_machine.travel("2026-11-17 10:00:00Z", tick=False):
        _sign_in(Client(), manager.username, "guess", "203.0.113.1")
        _sign_in(Client(), manager.username, "guess", "203.0.113.2")
        assert _sign_in(client, manager.username, PASSWORD, "198.51.100.20").status_code == 429
        client.cookies[DEVICE_COOKIE] = "forged"
        assert _sign_in(client, manager.username, PASSWORD, "198.51.100.20").status_code == 429
