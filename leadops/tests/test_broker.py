"""The Redis broker transport: kombu's, with one client per channel instead of one per command."""

from django.conf import settings

from leadops.celery import app


def test_the_broker_is_redis_through_the_shared_client_transport():
    from leadops.broker import Channel, Transport

    with app.connection_for_write() as connection:
        assert settings.CELERY_BROKER_URL.startswith("redis://")
        assert isinstance(connection.transport, Transport)
        channel = connection.default_channel
        assert isinstance(channel, Channel)
        first = channel._create_client()
        assert channel._create_client() is first
        channel._pool = None  # what a reconnect does: the next client uses the new pool
        renewed = channel._create_client()
        assert renewed is not first and renewed.connection_pool is channel.pool


def test_messages_still_round_trip_through_redis():
    with app.connection_for_write() as connection:
        queue = connection.SimpleQueue("leadops-broker-test")
        try:
            queue.put({"lead": 1})
            message = queue.get(timeout=5)
            assert message.payload == {"lead": 1}
            message.ack()
        finally:
            queue.clear()
            queue.close()
