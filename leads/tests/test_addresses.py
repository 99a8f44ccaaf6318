"""The address rules: free mail, throwaway mail, role accounts and the company domain."""

import pytest

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
