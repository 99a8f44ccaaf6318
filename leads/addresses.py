"""What an address or a website says about a lead: is it an address at all, free mail, throwaway mail, role
accounts, company domain.

These are facts about addresses and domains, and the one home for them: every door validates a lead's email
with `email_address`, intake keys a lead's Company on `company_domain`, and scoring's enrichment reads the
same rules for its flags and its company memory, so a lead belongs to the same company whichever of them asks.
"""

import re
from functools import lru_cache

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

# fmt: off
# Free-mail providers: their domain says nothing about the lead's company.
FREE_MAIL_DOMAINS = frozenset({
    "126.com", "163.com", "aol.com", "btinternet.com", "comcast.net", "fastmail.com", "free.fr", "gmail.com",
    "gmx.com", "gmx.de", "gmx.net", "googlemail.com", "hey.com", "hotmail.co.uk", "hotmail.com", "hotmail.de",
    "hotmail.fr", "icloud.com", "libero.it", "live.com", "mac.com", "mail.com", "mail.ru", "me.com",
    "msn.com", "naver.com", "orange.fr", "outlook.com", "pm.me", "proton.me", "protonmail.com", "qq.com",
    "rediffmail.com", "t-online.de", "tutanota.com", "web.de", "yahoo.co.uk", "yahoo.com", "yahoo.de",
    "yahoo.fr", "yandex.com", "yandex.ru", "ymail.com", "zoho.com",
})
# Throwaway inboxes: an address there is not meant to be written to twice.
DISPOSABLE_DOMAINS = frozenset({
    "mailinator.com", "10minutemail.com", "guerrillamail.com", "guerrillamail.net", "sharklasers.com",
    "yopmail.com", "tempmail.com", "temp-mail.org", "trashmail.com", "getnada.com", "dispostable.com",
    "throwawaymail.com", "maildrop.cc", "fakeinbox.com", "mintemail.com", "mohmal.com", "emailondeck.com",
    "spamgourmet.com", "tempr.email", "discard.email",
})
# Mailboxes of a function rather than a person (info@, sales@).
ROLE_LOCAL_PARTS = frozenset({
    "info", "sales", "contact", "admin", "support", "hello", "office", "team", "marketing", "noreply",
    "no-reply", "billing", "hr", "jobs", "careers", "enquiries", "inquiries", "webmaster", "help", "mail",
})
# Social and hosting sites: a page there is a person's profile or a company's page on someone else's
# site, never the company's own website (and enrichment never fetches them).
SOCIAL_DOMAINS = (
    "linkedin.com", "facebook.com", "fb.com", "instagram.com", "twitter.com", "x.com", "tiktok.com",
    "youtube.com", "xing.com", "threads.net", "pinterest.com", "reddit.com", "github.com", "medium.com",
)
# fmt: on

# A strict shape that only plain addresses pass (ASCII, no quoting, a dotted domain with a letter TLD, at most
# 64 characters before the @, no label with "--" that email-validator would have to judge as IDNA). It accepts
# nothing email-validator rejects, and costs a small fraction of a call to it, which matters when importing a
# million rows; anything else goes to email-validator for the precise verdict.
_PLAIN_EMAIL = re.compile(
    r"^(?=[^@]{1,64}@)[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?!.*--)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
# Names that can never receive mail (localhost, .local, .invalid, .onion, .arpa), as email-validator lists
# them. ".test" stays allowed, as email-validator's test environment allows it: staging and demo data use it.
_RESERVED_SUFFIXES = tuple(f".{name}" for name in SPECIAL_USE_DOMAIN_NAMES if name != "test")

# Mail domains that never name the lead's company.
_NOT_A_COMPANY = FREE_MAIL_DOMAINS | DISPOSABLE_DOMAINS
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
# An address as it stands in a header or a message's text ("Rita <rita@acme.com>", a bounce's "To: ..."):
# found loosely here, then checked by the rules above wherever it becomes a lead's address.
ADDRESS_IN_TEXT = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


def domain_of(website_or_email: str) -> str:
    """'https://www.Acme.com/about' or 'jo@acme.com' -> 'acme.com'; '' when there is no domain."""
    value = website_or_email.strip().lower()
    if "@" in value:
        value = value.rpartition("@")[2]
    value = _SCHEME.sub("", value).split("/")[0].split("?")[0].split(":")[0]
    value = value.removeprefix("www.").strip(".")
    return value if "." in value and " " not in value else ""


def email_address(value: str) -> str:
    """The address as stored (lower case, normalised); ValueError saying what is wrong when it is not one.

    email-validator's rules for an address that can receive mail: the part after the @ is a real host name
    with a dot and a known kind of top-level domain. Deliverability (DNS) is not checked.
    """
    address = value.lower()
    if _PLAIN_EMAIL.match(address) and not ("." + address.rpartition("@")[2]).endswith(_RESERVED_SUFFIXES):
        return address
    try:
        # test_environment: allows ".test" (and, below, nothing without a dot, which it would also allow).
        address = validate_email(address, check_deliverability=False, test_environment=True).normalized.lower()
    except EmailNotValidError as error:
        raise ValueError(f"is not a valid email address: {error}") from None
    if "." not in address.rpartition("@")[2]:
        raise ValueError("is not a valid email address: the part after the @-sign should be a domain name "
                         "with a dot, such as acme.com")
    return address


def email_domain(email: str) -> str:
    """What follows the @ of an address, lower-cased; '' for a value without one."""
    _, at, domain = email.strip().rpartition("@")
    return domain.lower() if at else ""


def is_free_mail(domain: str) -> bool:
    return domain in FREE_MAIL_DOMAINS


def is_disposable(domain: str) -> bool:
    return domain in DISPOSABLE_DOMAINS


def is_role_account(email: str) -> bool:
    """info@, sales@ and the like: a shared mailbox, not a person's."""
    return email.strip().partition("@")[0].lower() in ROLE_LOCAL_PARTS


def is_social_site(domain: str) -> bool:
    return any(domain == social or domain.endswith("." + social) for social in SOCIAL_DOMAINS)


def company_domain(email: str, website: str) -> str:
    """The domain a lead's Company is keyed on: the address's unless free or throwaway mail, else the website's.

    A website on free mail, throwaway mail or a social site names no company either. `email` is a normalised
    address (LeadInput's, or the pipeline's normalised lead): an import asks for every row, so its domain is
    simply what follows the @.
    """
    domain = email.rpartition("@")[2]
    if domain and domain not in _NOT_A_COMPANY:
        return domain
    return _website_company_domain(website) if website else ""


@lru_cache(maxsize=32_768)  # websites repeat across a company's leads, and an import asks for each row
def _website_company_domain(website: str) -> str:
    domain = domain_of(website)
    return "" if domain in _NOT_A_COMPANY or is_social_site(domain) else domain
