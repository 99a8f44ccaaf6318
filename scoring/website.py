"""A company's website for enrichment: its domain, and its homepage's title and meta description.

The fetch is used only when WEB_ENRICHMENT is on; it never touches social sites (not even through
a redirect), times out after WEB_ENRICHMENT_TIMEOUT seconds, and its result is cached per domain
in the Django cache for ENRICHMENT_CACHE_DAYS (a failure for a day), so every worker shares it.
"""

import html
import re
from types import ModuleType
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache

from leads.addresses import is_social_site

_META_DESCRIPTION = re.compile(
    r"<meta[^>]+name=[\"']description[\"'][^>]*content=[\"']([^\"']*)[\"']"
    r"|<meta[^>]+content=[\"']([^\"']*)[\"'][^>]*name=[\"']description[\"']",
    re.IGNORECASE | re.DOTALL,
)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def domain_of(text: str) -> str:
    """The host of a URL or the domain of an address, lower-case and without "www."."""
    text = (text or "").strip().lower()
    if "@" in text and "/" not in text:
        host = text.rpartition("@")[2]
    else:
        host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    return host.removeprefix("www.").strip(".")


def is_blocked(domain: str) -> bool:
    # Social sites are never fetched: their pages are about people, behind logins, and their terms forbid
    # scraping.
    return is_social_site(domain)


def _cache_key(domain: str) -> str:
    return f"enrichment:web:{domain}"


class _Refused(Exception):
    pass


def _http() -> ModuleType:
    # Imported on first use: only a process that fetches a page (WEB_ENRICHMENT on) needs the HTTP client.
    import httpx

    return httpx


def _fetch(url: str, max_redirects: int = 3) -> str:
    """The page's HTML; redirects are followed by hand so none can lead to a blocked site."""
    httpx = _http()
    with httpx.Client(
        timeout=settings.WEB_ENRICHMENT_TIMEOUT,
        headers={"User-Agent": "LeadOps enrichment (homepage title only)"},
    ) as client:
        for _ in range(max_redirects + 1):
            response = client.get(url)
            if response.is_redirect and "location" in response.headers:
                url = str(response.url.join(response.headers["location"]))
                if is_blocked(domain_of(url)):
                    raise _Refused(url)
                continue
            response.raise_for_status()
            return response.text[:200_000]
    raise ValueError(f"more than {max_redirects} redirects")


def website_profile(domain: str, website: str = "") -> tuple[dict[str, str], str]:
    """Title and meta description of the homepage, and how they were got.

    Returns ({"title": ..., "description": ...}, "cached" | "fetched" | "failed" | "refused").
    """
    if is_blocked(domain):
        return {}, "refused"
    cached = cache.get(_cache_key(domain))
    if cached is not None:
        return cached, "cached"
    url = (
        website
        if website.startswith(("http://", "https://")) and domain_of(website)
        else f"https://{domain}/"
    )
    if is_blocked(domain_of(url)):
        return {}, "refused"
    httpx = _http()
    try:
        page = _fetch(url)
    except _Refused:
        return {}, "refused"
    except (httpx.HTTPError, ValueError):
        # A dead site is common and says little; try again after a day, not after every lead.
        cache.set(_cache_key(domain), {}, timeout=24 * 3600)
        return {}, "failed"
    title = _TITLE.search(page)
    description = _META_DESCRIPTION.search(page)
    profile = {
        "title": " ".join(html.unescape(title.group(1)).split())[:200] if title else "",
        "description": " ".join(html.unescape(description.group(1) or description.group(2)).split())[:500]
        if description
        else "",
    }
    cache.set(_cache_key(domain), profile, timeout=settings.ENRICHMENT_CACHE_DAYS * 24 * 3600)
    return profile, "fetched"
