"""The Settings page: weights and thresholds with a live preview, versions with rollback, run-time settings."""

import re

import pytest

from conftest import LeadFactory
from leadops import runtime
from leadops.models import SettingChange
from scoring.models import ScoringConfig

pytestmark = pytest.mark.django_db


@pytest.fixture
def leads() -> list:
    """Directors at mid-size software companies: WARM under the default weights (10+15+15+10+5+... )."""
    return [
        LeadFactory(job_title="Director of Operations", industry="Software", company_size="201-500", country="US",
                    pain_point="Inbound leads wait days for a reply", email=f"director{index}@acme-industries.com")
        for index in range(6)
    ]


def _active() -> ScoringConfig:
    return ScoringConfig.objects.get(is_active=True)


def _form(config: ScoringConfig, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {f"weight:{key}": value for key, value in config.weights.items()}
    data.update({f"threshold:{key}": value for key, value in config.thresholds.items()})
    data.update(changes)
    return data


def test_a_manager_sees_the_active_weights_history_and_run_time_settings(manager_client):
    html = manager_client.get("/settings/").content.decode()
    config = _active()
    assert f"Editing v{config.version}" in html
    assert 'name="weight:seniority.director"' in html and 'name="threshold:hot"' in html
    assert "Run-time settings" in html and 'name="EMAIL_MODE"' in html and '<option value="smtp"' in html


def test_the_settings_page_needs_login(client, db):
    response = client.get("/settings/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_rep_is_refused(rep_client):
    assert rep_client.get("/settings/").status_code == 403
    assert rep_client.post("/settings/scoring/preview/", {}).status_code == 403
    assert rep_client.post("/settings/scoring/", {}).status_code == 403
    assert rep_client.post("/settings/runtime/", {}).status_code == 403


def test_the_preview_shows_the_new_split_before_saving(manager_client, leads, htmx_headers):
    config = _active()
    versions = ScoringConfig.objects.count()
    response = manager_client.post("/settings/scoring/preview/",
                                   _form(config, **{"weight:seniority.director": 60}), **htmx_headers)
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="preview"')  # only the partial
    assert "The newest 6 leads re-scored" in html and "6 would change label" in html
    hot_row = re.search(r'<span class="badge HOT">HOT</span></td>\s*<td>(\d+) .*?<td>(\d+) ', html, re.DOTALL)
    assert hot_row and hot_row.groups() == ("0", "6")
    assert ScoringConfig.objects.count() == versions  # nothing saved


def test_the_preview_names_a_bad_weight(manager_client, leads, htmx_headers):
    response = manager_client.post("/settings/scoring/preview/",
                                   _form(_active(), **{"weight:seniority.vp": "lots"}), **htmx_headers)
    assert "Weight seniority.vp: &#x27;lots&#x27; is not a number" in response.content.decode()


def test_saving_creates_and_activates_a_new_manual_version_and_rollback_restores_the_old(manager_client, manager):
    old = _active()
    response = manager_client.post("/settings/scoring/", _form(old, **{"weight:negative.free_mail": -20,
                                                                        "notes": "free mail converts badly"}))
    assert response.status_code == 302
    new = _active()
    assert new.version == old.version + 1 and new.source == ScoringConfig.Source.MANUAL
    assert new.weights["negative.free_mail"] == -20 and new.parent == old and new.created_by == manager
    assert new.notes == "free mail converts badly"
    old.refresh_from_db()
    assert old.is_active is False and old.weights["negative.free_mail"] != -20  # versions are never edited

    manager_client.post(f"/settings/scoring/{old.version}/activate/", {"confirmed": "1"})
    assert _active().pk == old.pk


def test_thresholds_out_of_order_are_refused_with_both_values_named(manager_client):
    config = _active()
    response = manager_client.post("/settings/scoring/", _form(config, **{"threshold:warm": 80, "threshold:hot": 70}))
    assert response.status_code == 422
    assert "WARM threshold 80 must be below HOT threshold 70" in response.content.decode()
    assert _active().pk == config.pk


def test_run_time_settings_are_validated_saved_and_logged(manager_client, manager):
    current = runtime.current()
    form = {name: (", ".join(value) if isinstance(value, list) else value)
            for name, value in current.items() if not isinstance(value, bool)}
    form.update({"SEND_PER_DAY": "500", "WEB_ENRICHMENT": "on"})
    response = manager_client.post("/settings/runtime/", form, follow=True)
    assert "Saved:" in response.content.decode()
    assert runtime.get("SEND_PER_DAY") == 500 and runtime.get("WEB_ENRICHMENT") is True
    change = SettingChange.objects.get(key="SEND_PER_DAY")
    assert change.changed_by == manager and change.new_value == 500
    assert "SEND_PER_DAY" in manager_client.get("/settings/").content.decode()  # the change log


def test_a_bad_run_time_value_is_refused_naming_the_setting(manager_client):
    form = {"SEND_PER_DAY": "-3", "SEND_WINDOW_HOURS": "late"}
    response = manager_client.post("/settings/runtime/", form)
    html = response.content.decode()
    assert response.status_code == 422
    assert "Sends per day (mailbox): must be a positive whole number" in html
    assert "Send between (local time): must look like 08:00-18:00" in html
    assert not SettingChange.objects.exists()


def test_with_no_active_version_the_built_in_rules_are_edited_and_saving_activates_them(manager_client, leads):
    ScoringConfig.objects.all().delete()
    html = manager_client.get("/settings/").content.decode()
    assert "the built-in default rules" in html and 'name="weight:seniority.vp"' in html
    preview = manager_client.post("/settings/scoring/preview/", {"weight:seniority.director": 60},
                                  HTTP_HX_REQUEST="true").content.decode()
    assert "6 would change label" in preview
    manager_client.post("/settings/scoring/", {})
    saved = ScoringConfig.objects.get(is_active=True)
    assert saved.source == ScoringConfig.Source.MANUAL and saved.weights["seniority.director"] == 15


def _page_form(client) -> dict[str, str]:
    """What the Settings page's scoring form would submit as rendered: its inputs' current values."""
    html = client.get("/settings/").content.decode()
    return dict(re.findall(r'name="((?:weight|threshold):[^"]+)"[^>]*value="([^"]*)"', html))


def _outcomes_at_a_low_base_rate() -> None:
    """400 leads with signal plus 1,200 lost ones: ~8 % convert, so the learned HOT cut-off is a low
    probability (~20 %), far below the rules' 70 points; mixing the two scales shows at once."""
    from leads.models import Feedback, Lead
    from scoring.tests.outcome_data import create_leads_with_outcomes

    create_leads_with_outcomes(400)
    lost = Lead.objects.bulk_create([Lead(external_id=f"lost-{index}", source=Lead.Source.IMPORT,
                                          attributes={"Lead Source": "Purchased list"}) for index in range(1200)])
    Feedback.objects.bulk_create([Feedback(lead=lead, outcome=Feedback.Outcome.CLOSED_LOST) for lead in lost])


@pytest.fixture
def learned_active(db) -> ScoringConfig:
    from scoring.learning.training import train

    _outcomes_at_a_low_base_rate()
    config = train().config
    assert config is not None and config.is_active and config.model
    return config


def test_with_a_learned_version_active_the_page_shows_the_rules_thresholds_and_says_what_saving_does(
        manager_client, learned_active):
    html = manager_client.get("/settings/").content.decode()
    form = _page_form(manager_client)
    assert form["threshold:hot"] == "70" and form["threshold:disqualify"] == "15"  # points, not probability %
    assert "learned from outcomes" in html and "Scoring model" in html


def test_editing_rule_weights_over_a_learned_version_scores_by_the_rules_own_cut_offs(
        manager_client, learned_active, leads, django_capture_on_commit_callbacks):
    form = _page_form(manager_client)
    form["weight:negative.free_mail"] = "-20"
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post("/settings/scoring/", form)
    saved = _active()
    assert saved.source == ScoringConfig.Source.MANUAL and not saved.model
    assert saved.thresholds["hot"] == 70
    for lead in leads:
        lead.refresh_from_db()
        assert lead.score_version == saved.version
        assert lead.score_value < 70 and lead.score_label == "WARM"  # directors stay WARM under the rules


def test_a_learned_version_without_enough_outcomes_scores_by_the_rules_own_cut_offs(
        manager_client, settings, leads, django_capture_on_commit_callbacks):
    from scoring.learning.training import train

    settings.LEARNING_MIN_CONVERSIONS = 10_000
    _outcomes_at_a_low_base_rate()
    candidate = train().config
    assert candidate is not None and not candidate.is_active
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(f"/scoring/model/{candidate.version}/activate/", {"confirmed": "1"})
    assert _active().pk == candidate.pk
    for lead in leads:
        lead.refresh_from_db()
        assert lead.score_version == candidate.version
        assert lead.score_value < 70 and lead.score_label == "WARM"


def test_weights_and_settings_have_plain_labels_help_and_named_providers(manager_client):
    html = manager_client.get("/settings/").content.decode()
    assert "Most points from buying phrases" in html and "In a country we target" in html
    assert "buying phrase max" not in html and "icp country" not in html
    assert "Emails approved on other days wait for the next one ticked." in html  # help under a setting
    assert '<option value="none" selected>Off (rules and templates only)</option>' in html
    assert ">Azure OpenAI</option>" in html and ">Mock (stored, never sent)</option>" in html
    assert 'type="checkbox" name="SEND_WINDOW_DAYS" value="mon" checked> Monday' in html


def test_weekdays_are_saved_from_checkboxes_and_the_change_log_reads_in_words(manager_client):
    form = {name: (",".join(value) if isinstance(value, list) else value)
            for name, value in runtime.current().items() if not isinstance(value, bool)}
    form["SEND_WINDOW_DAYS"] = ["mon", "wed", "fri"]
    manager_client.post("/settings/runtime/", form)
    assert runtime.get("SEND_WINDOW_DAYS") == ["mon", "wed", "fri"]
    log = manager_client.get("/settings/").content.decode().split("Change log", 1)[1]
    assert "Send on these weekdays" in log and "Monday, Wednesday, Friday" in log
    assert "SEND_WINDOW_DAYS" not in log and "[" not in log


def test_a_refused_edit_keeps_every_typed_value_and_the_why(manager_client):
    config = _active()
    form = _form(config, **{"weight:seniority.vp": "lots", "weight:seniority.director": "33", "notes": "More VPs"})
    response = manager_client.post("/settings/scoring/", form)
    html = response.content.decode()
    assert response.status_code == 422
    assert 'name="weight:seniority.vp" value="lots"' in html
    assert 'name="weight:seniority.director" value="33"' in html
    assert 'value="More VPs"' in html


def test_with_a_learned_model_scoring_the_hot_and_warm_thresholds_are_disabled_with_the_reason(
        manager_client, learned_active):
    html = manager_client.get("/settings/").content.decode()
    assert re.search(r'name="threshold:hot"[^>]*disabled', html)
    assert not re.search(r'name="threshold:disqualify"[^>]*disabled', html)
    assert "Not used while the learned model scores leads" in html
