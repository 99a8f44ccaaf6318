"""Intake and the qualification pipeline key a lead to the same Company: both read leads.addresses."""

import pytest

from leads.intake import ingest
from leads.models import Lead
from scoring import enrichment
from scoring.pipeline import runner
from scoring.pipeline.state import LeadSnapshot

CASES = [
    # The five domains the two lists once disagreed on: none names a company.
    ("ana@naver.com", "", ""),
    ("ana@tutanota.com", "", ""),
    ("ana@btinternet.com", "", ""),
    ("ana@comcast.net", "", ""),
    ("ana@mailinator.com", "", ""),
    # Free mail and throwaway mail give way to the website.
    ("ana@gmail.com", "", ""),
    ("ana@gmail.com", "https://www.northwind.com/about", "northwind.com"),
    ("ana@yopmail.com", "northwind.com", "northwind.com"),
    # A role address is still the company's own.
    ("info@northwind.com", "", "northwind.com"),
    ("ana@northwind.com", "https://www.other.com", "northwind.com"),
    # Subdomains are kept as they are.
    ("ana@eu.northwind.com", "", "eu.northwind.com"),
    ("", "https://shop.northwind.co.uk/contact", "shop.northwind.co.uk"),
    # Upper case is the same address.
    ("Ana@NorthWind.COM", "", "northwind.com"),
    ("", "HTTPS://WWW.NORTHWIND.COM", "northwind.com"),
    # A website on free mail or a social site names no company either.
    ("ana@gmail.com", "gmail.com", ""),
    ("ana@gmail.com", "https://www.linkedin.com/company/northwind", ""),
    ("ana@gmail.com", "https://uk.linkedin.com/in/ana", ""),
]


@pytest.mark.django_db
@pytest.mark.parametrize("email, website, expected", CASES)
def test_intake_and_the_pipeline_give_a_lead_the_same_company_domain(email, website, expected):
    lead = ingest({"email": email, "website": website, "first_name": "Ana"}, source=Lead.Source.WEB_FORM,
                  qualify=False).lead
    from_intake = lead.company.domain if lead.company else ""

    from_enrichment = enrichment.enrich(LeadSnapshot.of(lead), competitor_domains=[], web_enrichment=False)
    runner.qualify([str(lead.pk)])
    lead.refresh_from_db()
    from_pipeline = lead.company.domain if lead.company else ""

    assert (from_intake, from_enrichment.company_domain, from_pipeline) == (expected, expected, expected)
