"""Enrichment: what can be told about a lead from its own fields, and optionally its website.

Heuristics first: the address gives the company domain and the free-mail, disposable and
role-account flags (the rules of leads.addresses, which intake keys companies on);
the title gives seniority and function; the message gives signals
(opted out, student, buying phrases, an attempt to instruct the system...). The homepage
profile (scoring.website) is off by default; a failure only leaves those fields empty.
Company memory counts the earlier leads at the same domain and how they ended.
"""

import re
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q

from leadops import untrusted
from leads.addresses import company_domain, email_domain, is_disposable, is_free_mail, is_role_account
from leads.models import Company, Lead
from outreach.opt_out import asks_not_to_be_contacted
from scoring.pipeline.state import CompanyMemory, Enrichment, LeadSnapshot, Signals
from scoring.website import website_profile

SENIORITY_PATTERNS = (
    (
        "c_level",
        re.compile(
            r"\b(ceo|cto|cfo|coo|cmo|cro|cio|ciso|cpo|chief|founder|co-?founder|owner|president"
            r"|managing director"
            r"|managing partner|general manager)\b",
            re.IGNORECASE,
        ),
    ),
    ("vp", re.compile(r"\b(vp|svp|evp|avp|vice[- ]president)\b", re.IGNORECASE)),
    ("director", re.compile(r"\b(director|head of|head)\b", re.IGNORECASE)),
    ("manager", re.compile(r"\b(manager|lead|supervisor|principal)\b", re.IGNORECASE)),
)
FUNCTION_PATTERNS = (
    (
        "sales",
        re.compile(
            r"\b(sales|revenue|revops|business development|bdr|sdr|account (executive|manager)"
            r"|commercial|partnerships?)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "marketing",
        re.compile(r"\b(marketing|growth|demand gen|brand|content|communications)\b", re.IGNORECASE),
    ),
    (
        "operations",
        re.compile(r"\b(operations|ops|logistics|supply chain|procurement|purchasing)\b", re.IGNORECASE),
    ),
    (
        "engineering",
        re.compile(
            r"\b(engineer(ing)?|developer|technology|technical|it|cto|cio|data|software)\b", re.IGNORECASE
        ),
    ),
    ("finance", re.compile(r"\b(finance|financial|cfo|accounting|controller)\b", re.IGNORECASE)),
    ("people", re.compile(r"\b(hr|human resources|people|talent|recruit(er|ing)?)\b", re.IGNORECASE)),
    ("customer_success", re.compile(r"\b(customer success|support|service)\b", re.IGNORECASE)),
    (
        "executive",
        re.compile(r"\b(ceo|coo|founder|co-?founder|owner|president|managing director)\b", re.IGNORECASE),
    ),
)

STUDENT = re.compile(
    r"\b(student|intern|internship|thesis|dissertation|graduate job|undergraduate|phd candidate)\b",
    re.IGNORECASE,
)
JOB_SEEKER = re.compile(
    r"\b(are you hiring|looking for (a )?(job|work|position|role)|job seeker|my (cv|resume)"
    r"|apply(ing)? for (a |the )?(job|position|role)|open positions?|career opportunit)",
    re.IGNORECASE,
)
TEST_WORDS = re.compile(
    r"^(test(ing)?|asdf+|qwerty|foo|bar|xxx+|aaa+|sample|dummy|n/?a|none|lorem ipsum)$", re.IGNORECASE
)
AMBIGUOUS_BUDGET = re.compile(
    r"\b(tbd|tbc|unknown|not sure|depends|flexible|open|n/?a|none yet|not set|\?)", re.IGNORECASE
)
BUYING_PHRASES = {
    "pricing": re.compile(r"\b(pric(e|es|ing)|quote|cost)\b", re.IGNORECASE),
    "demo": re.compile(r"\b(demo|trial|walk-?through)\b", re.IGNORECASE),
    "timeline": re.compile(
        r"\b(this (quarter|month|week)|next week|asap|urgent(ly)?|deadline|q[1-4])\b", re.IGNORECASE
    ),
    "budget approved": re.compile(r"\bbudget (is )?(approved|allocated|signed off)\b", re.IGNORECASE),
    "evaluating vendors": re.compile(r"\b(evaluat(e|ing)|comparing|shortlist|rfp|vendors?)\b", re.IGNORECASE),
}
# Phrases of someone researching, not buying (the whitepaper download, "just browsing").
LOW_INTENT = re.compile(
    r"\b(just browsing|whitepaper|e-?book|newsletter|general information|for a report|not sure we need"
    r"|keeping an eye|just curious|no budget)\b",
    re.IGNORECASE,
)
_KEYBOARD_MASH = re.compile(r"(asdf|qwer|zxcv|hjkl|jkl;|sdfg|dfgh)", re.IGNORECASE)


def seniority_of(title: str) -> str:
    if not title.strip():
        return "unknown"
    for level, pattern in SENIORITY_PATTERNS:
        if pattern.search(title):
            return level
    return "individual"


def function_of(title: str) -> str:
    for function, pattern in FUNCTION_PATTERNS:
        if pattern.search(title):
            return function
    return "other" if title.strip() else "unknown"


_LETTERS_ONLY = {code: None for code in range(128) if not chr(code).isalpha()}


def _is_gibberish_word(word: str) -> bool:
    letters = word.lower().translate(_LETTERS_ONLY)
    if len(letters) < 4:
        return False
    return bool(_KEYBOARD_MASH.search(letters)) or not re.search(r"[aeiouy]", letters)


def looks_like_test(lead: LeadSnapshot) -> tuple[bool, bool]:
    """(test submission, gibberish): placeholder words in the name/company or a keyboard mash."""
    local = lead.email.partition("@")[0]
    named = [lead.first_name, lead.last_name, lead.company_name, local]
    test = sum(bool(TEST_WORDS.match(value.strip())) for value in named if value.strip()) >= 2
    # The first words say whether someone typed a keyboard mash; a long message needs no full scan.
    words = [
        word
        for value in (lead.first_name, lead.last_name, lead.company_name, lead.job_title, lead.lead_message)
        for word in value.split()[:100]
    ]
    nonsense = [word for word in words if _is_gibberish_word(word)]
    gibberish = bool(words) and len(nonsense) >= max(2, len(words) // 3)
    return test, gibberish


def signals_of(lead: LeadSnapshot, domain: str, competitor_domains: Iterable[str]) -> Signals:
    text = f"{lead.pain_point}\n{lead.lead_message}"
    person = f"{lead.job_title}\n{lead.lead_message}"
    test, gibberish = looks_like_test(lead)
    competitors = {item.strip().lower() for item in competitor_domains}
    budget = lead.budget_range.strip()
    return Signals(
        # The person's own words, in any field they wrote (outreach.opt_out holds the phrases).
        opted_out=asks_not_to_be_contacted(lead.lead_message) or asks_not_to_be_contacted(lead.pain_point),
        gibberish=gibberish,
        test_submission=test,
        student=bool(STUDENT.search(person)) or domain.endswith((".edu", ".ac.uk")) and "student" in domain,
        job_seeker=bool(JOB_SEEKER.search(person)),
        competitor=any(domain == item or domain.endswith("." + item) for item in competitors),
        # Any field the person typed: instructions hide in names and company fields too (leadops.untrusted).
        injection=untrusted.injected(lead.first_name, lead.last_name, lead.company_name, lead.job_title,
                                     lead.pain_point, lead.lead_message),
        formula=any(
            value.lstrip().startswith(("=", "+", "@"))
            for value in (lead.company_name, lead.first_name, lead.last_name, lead.job_title)
        ),
        ambiguous_budget=bool(budget)
        and lead.budget_amount is None
        and bool(AMBIGUOUS_BUDGET.search(budget)),
        buying_phrases=[name for name, pattern in BUYING_PHRASES.items() if pattern.search(text)],
        low_intent=bool(LOW_INTENT.search(lead.lead_message)),
    )


def enrich(
    lead: LeadSnapshot,
    *,
    competitor_domains: Iterable[str],
    web_enrichment: bool,
    company_size_band: str = "",
) -> Enrichment:
    """Heuristic enrichment, plus the homepage profile when web enrichment is on."""
    domain = email_domain(lead.email)
    own_domain = company_domain(lead.email, lead.website)
    enrichment = Enrichment(
        domain=domain or own_domain,
        company_domain=own_domain,
        free_mail=is_free_mail(domain),
        disposable=is_disposable(domain),
        role_account=is_role_account(lead.email),
        seniority=seniority_of(lead.job_title),
        function=function_of(lead.job_title),
        size_band=lead.company_size or company_size_band,
        country=lead.country.strip().upper()[:2],
        signals=signals_of(lead, own_domain or domain, competitor_domains),
    )
    if web_enrichment and own_domain:
        profile, how = website_profile(own_domain, lead.website)
        enrichment.web_title = profile.get("title", "")
        enrichment.web_description = profile.get("description", "")
        enrichment.web_fetch = how
    elif web_enrichment:
        enrichment.web_fetch = "none"
    return enrichment


def offline_inputs(
    leads: list[Any], competitor_domains: Iterable[str]
) -> list[tuple[LeadSnapshot, Enrichment, CompanyMemory]]:
    """What the rules read for each lead, without fetching anything: snapshot, enrichment, company memory.

    Stored enrichment is reused; a lead never enriched (or not saved, like a row of a file being
    scored) gets the offline heuristics, as the pipeline would with web enrichment off.
    """
    competitors = list(competitor_domains)
    snapshots = [LeadSnapshot.of(lead) for lead in leads]
    enrichments = []
    for lead, snapshot in zip(leads, snapshots):
        try:
            stored = Enrichment.model_validate(lead.enrichment) if lead.enrichment else None
        except ValueError:
            stored = None
        enrichments.append(stored or enrich(snapshot, competitor_domains=competitors, web_enrichment=False))
    memories = company_memory({item.company_domain for item in enrichments}, [lead.pk for lead in leads])
    return [(snapshot, item, memories.get(item.company_domain, CompanyMemory()))
            for snapshot, item in zip(snapshots, enrichments)]


def company_memory(domains: Iterable[str], exclude_lead_ids: Iterable[Any]) -> dict[str, CompanyMemory]:
    """Per domain: leads already known there (other than these) and how they ended."""
    wanted = [domain for domain in set(domains) if domain]
    company_ids = (
        dict(Company.objects.filter(domain__in=wanted).values_list("domain", "pk")) if wanted else {}
    )
    return company_memory_by_id(company_ids, exclude_lead_ids)


def company_memory_by_id(
    company_ids: dict[str, int], exclude_lead_ids: Iterable[Any]
) -> dict[str, CompanyMemory]:
    """company_memory for companies already loaded ({domain: company id}), in one query."""
    if not company_ids:
        return {}
    domains = {company_id: domain for domain, company_id in company_ids.items()}
    rows = (
        Lead.objects.filter(company_id__in=list(domains))
        .exclude(pk__in=list(exclude_lead_ids))
        .values("company_id")
        .annotate(
            total=Count("pk"),
            won=Count("pk", filter=Q(status=Lead.Status.CLOSED_WON)),
            lost=Count("pk", filter=Q(status=Lead.Status.CLOSED_LOST)),
        )
    )
    return {
        domains[row["company_id"]]: CompanyMemory(
            domain=domains[row["company_id"]], earlier_leads=row["total"], won=row["won"], lost=row["lost"]
        )
        for row in rows
    }
