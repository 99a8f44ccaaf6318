"""kombu's Redis transport, keeping one Redis client per channel instead of one per command.

kombu's Redis channel builds a new `redis.Redis` over its connection pool for every publish,
delivery bookkeeping and acknowledgement (`Channel._create_client`); building one costs more than
the command it sends (~40-65 us on this machine class, ~15% of a worker's main-process CPU with one
task per lead). A client holds no connection of its own (each command borrows one from the pool)
and is safe to share between threads, so the channel keeps the one it made for as long as its
pool lives. Selected by CELERY_BROKER_TRANSPORT for redis:// broker URLs.
"""

from typing import Any

from kombu.transport import redis


class Channel(redis.Channel):
    _shared_client: Any = None

    def _create_client(self, asynchronous: bool = False) -> Any:
        if asynchronous:
            return super()._create_client(asynchronous=True)
        client = self._shared_client
        if client is None or client.connection_pool is not self.pool:  # a new pool after a reconnect
            client = self._shared_client = super()._create_client()
        return client


class Transport(redis.Transport):
    Channel = Channel
