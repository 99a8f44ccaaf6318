"""HTTP plumbing every page shares: query parameters reach views without the NUL characters PostgreSQL refuses."""

import pytest

from conftest import LeadFactory
from outreach.models import Suppression


@pytest.mark.parametrize("query", ["q=%00", "q=ad%00a", "status=%00", "status__exact=NEW%00", "score_label__exact=%00",
                                   "needs_approval__exact=%00", "email=%00", "%00=1", "o=%00", "p=%00",
                                   "created_at__year=%00&created_at__month=%00"])
def test_a_nul_in_an_admin_search_or_filter_answers_the_list_page(admin_client, query):
    LeadFactory(first_name="Ada", status="NEW")
    # A lookup the admin cannot use sends it to its list page (?e=1), as it does without a NUL.
    response = admin_client.get(f"/admin/leads/lead/?{query}", follow=True)
    assert response.status_code == 200 and "cl" in response.context


@pytest.mark.parametrize("path", ["/admin/leads/activitylog/?q=%00&type=%00", "/admin/leads/company/?q=%00",
                                  "/admin/outreach/suppression/?q=%00", "/admin/auth/user/?q=%00",
                                  "/admin/scoring/scoringconfig/?q=%00"])
def test_a_nul_in_any_admin_list_answers_the_page(admin_client, path):
    Suppression.objects.create(email="ada@acme.com", reason=Suppression.Reason.MANUAL)
    assert admin_client.get(path).status_code == 200


def test_the_search_still_finds_what_the_nul_was_typed_into(admin_client):
    LeadFactory(first_name="Ada", last_name="Lovelace", email="ada@acme-industries.com")
    LeadFactory(first_name="Grace", last_name="Hopper", email="grace@acme-industries.com")
    response = admin_client.get("/admin/leads/lead/?q=Love%00lace")
    assert response.status_code == 200
    assert [str(lead) for lead in response.context["cl"].result_list] == ["Ada Lovelace"]
