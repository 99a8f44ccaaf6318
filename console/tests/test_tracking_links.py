from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from console.reports import snapshots
from outreach import tracking
from outreach.compliance import footer_for
from outreach.models import EmailDraft, Sequence, TrackingEvent
from outreach.sending import build_message

SAFARI = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1"


def _sent(draft_factory, **fields) -> EmailDraft:  # type: ignore[no-untyped-def]
    return draft_factory(state=EmailDraft.State.SENT, sent_at=timezone.now() - timedelta(hours=2),
                         body="Hi Dana,\n\nOur guide: https://example.com/guide?x=1\n\nBest, Sam", **fields)


def test_tracking_is_off_by_default_and_the_email_is_left_as_written(draft_factory):
    draft = _sent(draft_factory)
    message = build_message(draft, draft.recipient, footer_for(draft.recipient))
    assert "https://example.com/guide?x=1" in message.body and not getattr(message, "alternatives", [])


def test_with_tracking_on_links_go_through_a_signed_redirect_and_an_html_part_carries_the_pixel(draft_factory,
                                                                                                 settings):
    settings.EMAIL_TRACKING = True
    draft = _sent(draft_factory)
    message = build_message(draft, draft.recipient, footer_for(draft.recipient))
    assert "https://example.com/guide" not in message.body and "/t/c/" in message.body
    assert "/unsubscribe/" in message.body  # the opt-out link never depends on the redirect
    [(html, kind)] = message.alternatives
    assert kind == "text/html" and "/t/o/" in html and 'width="1"' in html


def test_a_person_opening_and_clicking_is_counted_and_sent_on(client, draft_factory):
    draft = _sent(draft_factory)
    response = client.get(tracking.click_url(draft.pk, "https://example.com/guide?x=1"), HTTP_USER_AGENT=SAFARI)
    assert response.status_code == 302 and response["Location"] == "https://example.com/guide?x=1"
    pixel = client.get(tracking.pixel_url(draft.pk), HTTP_USER_AGENT=SAFARI)
    assert pixel["Content-Type"] == "image/gif"
    assert sorted(draft.tracking_events.filter(counted=True).values_list("kind", flat=True)) == ["click", "open"]


def test_image_proxies_and_link_scanners_are_stored_but_not_counted(client, draft_factory):
    draft = _sent(draft_factory)
    client.get(tracking.pixel_url(draft.pk), HTTP_USER_AGENT="Mozilla/5.0")
    client.get(tracking.pixel_url(draft.pk), HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 5.1) GoogleImageProxy")
    client.get(tracking.click_url(draft.pk, "https://example.com/"), HTTP_USER_AGENT="Mimecast URL Protect/1.0")
    client.head(tracking.click_url(draft.pk, "https://example.com/"), HTTP_USER_AGENT=SAFARI)
    reasons = set(TrackingEvent.objects.filter(counted=False).values_list("filtered_because", flat=True))
    assert reasons == {"Apple Mail Privacy Protection", "Google image proxy", "link scanner",
                       "link scanner (checked the link without opening it)"}
    assert not TrackingEvent.objects.filter(counted=True).exists()


def test_a_click_within_seconds_of_delivery_is_a_scanner(client, draft_factory):
    draft = draft_factory(state=EmailDraft.State.SENT, sent_at=timezone.now() - timedelta(seconds=3))
    client.get(tracking.click_url(draft.pk, "https://example.com/"), HTTP_USER_AGENT=SAFARI)
    assert draft.tracking_events.get().filtered_because == "clicked within seconds of delivery"


def test_an_altered_link_is_refused_and_counts_nothing(client, draft_factory):
    draft = _sent(draft_factory)
    token = tracking.make_token(draft.pk, "https://example.com/")
    response = client.get(reverse("tracking:click", args=[token[:-2] + "xx"]))
    assert response.status_code == 404 and "This link is not valid" in response.content.decode()
    assert client.get(reverse("tracking:open", args=["made-up"]))["Content-Type"] == "image/gif"
    assert not TrackingEvent.objects.exists()


def test_the_sequence_report_counts_opens_and_clicks_per_step_and_says_opens_are_unreliable(
        client, draft_factory, settings):
    settings.EMAIL_TRACKING = True
    step = Sequence.objects.get(is_default=True).steps.order_by("position").first()
    draft = _sent(draft_factory, sequence_step=step)
    client.get(tracking.pixel_url(draft.pk), HTTP_USER_AGENT=SAFARI)
    client.get(tracking.pixel_url(draft.pk), HTTP_USER_AGENT="Mozilla/5.0")
    report = snapshots.compute("sequences", "30d").report
    table = report.tables[0]
    row = dict(zip(table.columns, next(row for row in table.rows if row[1].startswith(f"{step.position}."))))
    assert (row["Sent"], row["Opened (lower bound)"], row["Clicked"]) == (1, 1, 0)
    assert any("Opens are unreliable" in note for note in report.notes)
