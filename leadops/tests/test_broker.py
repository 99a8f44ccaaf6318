"""The Redis broker transport: kombu's, with one client per channel instead of one per command."""

from django.conf import settings
from kombu import Connection

from leadops import broker
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


def _unacknowledged(channel) -> int:  # type: ignore[no-untyped-def]
    return channel.client.hlen(channel.unacked_key)


def test_a_consumer_without_an_event_loop_acknowledges_at_once():
    with app.connection_for_write() as connection:
        queue = connection.SimpleQueue("leadops-broker-test")
        try:
            queue.put({"lead": 1})
            message = queue.get(timeout=5)
            assert _unacknowledged(queue.channel) == 1
            message.ack()
            assert _unacknowledged(queue.channel) == 0
        finally:
            queue.clear()
            queue.close()


def test_in_a_worker_an_acknowledgement_travels_with_the_next_delivery():
    with app.connection_for_write() as connection:
        connection.transport.acks_wait = True  # what a worker's event loop sets
        queue = connection.SimpleQueue("leadops-broker-test")
        try:
            queue.put({"lead": 1})
            queue.put({"lead": 2})
            first = queue.get(timeout=5)
            first.ack()
            assert _unacknowledged(queue.channel) == 1  # waiting
            assert queue.channel.qos.can_consume()  # but done for the prefetch count
            second = queue.get(timeout=5)
            assert second.payload == {"lead": 2}
            assert _unacknowledged(queue.channel) == 1  # the first went with the second's bookkeeping
            second.ack()
            queue.channel.send_acks()  # what the event loop's timer does
            assert _unacknowledged(queue.channel) == 0
        finally:
            queue.clear()
            queue.close()


def test_closing_the_channel_sends_the_waiting_acknowledgements():
    with app.connection_for_write() as connection:
        connection.transport.acks_wait = True
        queue = connection.SimpleQueue("leadops-broker-test")
        channel = queue.channel
        try:
            queue.put({"lead": 1})
            queue.get(timeout=5).ack()
            client, key = channel.client, channel.unacked_key
            assert client.hlen(key) == 1
            queue.clear()
        finally:
            queue.close()
            channel.close()
        with app.connection_for_write() as other:
            assert other.default_channel.client.hlen(key) == 0


def test_on_a_kombu_release_it_was_not_checked_against_the_worker_uses_kombus_own_transport(monkeypatch):
    assert broker.transport_for(broker.TRANSPORT) == broker.TRANSPORT  # the installed release is a checked one
    monkeypatch.setattr(broker, "CHECKED_KOMBU", ((4, 0),))
    assert broker.transport_for(broker.TRANSPORT) is None
    assert broker.transport_for("redis") == "redis"


def test_the_embedded_brokers_folder_hands_over_whole_messages_and_leaves_no_partial_files(tmp_path):
    with Connection("filesystem://localhost/", transport=broker.FolderTransport,
                    transport_options=broker.folder_options(tmp_path)) as connection:
        queue = connection.SimpleQueue("leadops-test")
        queue.put({"task": "import", "rows": 1000})
        assert not list(tmp_path.glob("*.part"))
        message = queue.get(timeout=2)
        assert message.payload == {"task": "import", "rows": 1000}
        message.ack()
        queue.close()
