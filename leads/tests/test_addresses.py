"""The address rules: free mail, throwaway mail, role accounts and the company domain."""

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from leads import addresses


@pytest.mark.parametrize("domain", ["gmail.com", "naver.com", "tutanota.com", "btinternet.com",
                                    "comcast.net"])
def test_free_mail_providers_are_free_mail(domain):
    assert addresses.is_free_mail(domain) and not addresses.is_disposable(domain)


def test_throwaway_inboxes_are_disposable_not_free_mail():
    assert addresses.is_disposable("mailinator.com") and not addresses.is_free_mail("mailinator.com")


@pytest.mark.parametrize("email, role", [("info@acme.com", True), ("Sales@acme.com", True),
                                          ("ana@acme.com", False), ("", False)])
def test_a_role_account_is_known_by_its_local_part(email, role):
    assert addresses.is_role_account(email) is role


def test_the_email_domain_is_what_follows_the_at_lower_cased():
    assert addresses.email_domain(" Ana@Acme.COM ") == "acme.com"
    assert addresses.email_domain("no address") == ""


@pytest.mark.parametrize("domain, social", [("linkedin.com", True), ("uk.linkedin.com", True),
                                             ("x.com", True), ("box.com", False), ("", False)])
def test_social_sites_and_their_subdomains_are_social(domain, social):
    assert addresses.is_social_site(domain) is social


@pytest.mark.parametrize("email, website, expected", [
    ("ana@acme.com", "", "acme.com"),
    ("ana@gmail.com", "https://www.acme.com/about", "acme.com"),
    ("ana@mailinator.com", "", ""),
    ("ana@gmail.com", "https://www.facebook.com/acme", ""),
    ("", "yahoo.com", ""),
])
def test_the_company_domain_is_the_address_unless_it_names_no_company_then_the_website(
    email, website, expected
):
    assert addresses.company_domain(email, website) == expected


def _by_email_validator(address: str) -> str | None:
    """email-validator's own verdict, with the dot the address rules ask for; None when refused."""
    try:
        normalized = validate_email(address.lower(), check_deliverability=False, test_environment=True).normalized
    except EmailNotValidError:
        return None
    return normalized.lower() if "." in normalized.rpartition("@")[2] else None


def _by_the_rules(address: str) -> str | None:
    try:
        return addresses.email_address(address)
    except ValueError:
        return None


@settings(max_examples=2_000, derandomize=True, database=None)
@given(st.emails() | st.from_regex(r"[A-Za-z0-9.+_'-]{1,70}@[a-z0-9.-]{1,30}(\.(com|local|test|invalid|x-y|c0m))?",
                                   fullmatch=True))
def test_the_plain_address_shortcut_gives_email_validators_verdict(address):
    assert _by_the_rules(address) == _by_email_validator(address)


@pytest.mark.parametrize("address", ["a@b", "ada@localhost", "ada@acme.local", "ada@acme.onion", "ada@ab--cd.com"])
def test_addresses_that_cannot_receive_mail_are_refused(address):
    with pytest.raises(ValueError, match="is not a valid email address"):
        addresses.email_address(address)


def test_plain_and_international_addresses_are_normalised():
    assert addresses.email_address("Ada@Acme.COM") == "ada@acme.com"
    assert addresses.email_address("qa@example.test") == "qa@example.test"
    assert addresses.email_address("jörg@bücher.de") == "jörg@bücher.de"
