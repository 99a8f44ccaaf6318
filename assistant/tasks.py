"""The assistant's background work: posting a notice to the team's chat webhook."""

import logging

import httpx
from celery import shared_task
from django.conf import settings

logger = logging.getLogger(__name__)


@shared_task(name="assistant.tasks.post_to_webhook", autoretry_for=(httpx.TransportError,), retry_backoff=5,
             retry_backoff_max=300, max_retries=5, acks_late=True)
def post_to_webhook(text: str) -> None:
    """POST {"text": ...} to the Slack-compatible webhook; a refused post is logged, not retried."""
    url = settings.ASSISTANT_SLACK_WEBHOOK_URL
    if not url:
        return
    response = httpx.post(url, json={"text": text}, timeout=10)
    if response.status_code >= 400:
        logger.warning("Chat webhook refused a notice: HTTP %s", response.status_code)
