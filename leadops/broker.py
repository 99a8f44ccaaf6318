"""kombu's Redis transport, with one Redis client per channel and acknowledgements sent in passing.

What it speeds up: qualification with one task per lead (bench/pipeline_bench.py, the per-lead run),
where the broker's own work is a large part of a worker's CPU. The README's benchmark table has the
figures with and without it.

kombu's Redis channel builds a new `redis.Redis` over its connection pool for every publish,
delivery bookkeeping and acknowledgement (`Channel._create_client`); building one costs more than
the command it sends. A client holds no connection of its own (each command borrows one from the pool)
and is safe to share between threads, so the channel keeps the one it made for as long as its
pool lives. Selected by CELERY_BROKER_TRANSPORT for redis:// broker URLs.

Acknowledgements: with acks_late every task's message is recorded as unacknowledged when it is
delivered (one Redis round trip) and forgotten when the task is done (another). In a worker the
second now travels with the next delivery's round trip, or within ACK_DELAY seconds when no
delivery comes: one round trip a task instead of two. The message still counts as done at once
for the worker's prefetch. A worker killed inside that window leaves the message unacknowledged,
so Redis delivers it again after the visibility timeout, as it does for a worker killed just
before its acknowledgement: the tasks are safe to run twice. Outside a worker's event loop
(a plain consumer) acknowledgements go at once, as in kombu.

It subclasses kombu internals, so `leadops.celery` uses it only on a kombu release it was checked
against (CHECKED_KOMBU, matching pyproject's pin) and falls back to kombu's own transport otherwise.
"""

import logging
import os
import uuid
from collections import deque
from pathlib import Path
from time import time
from typing import Any

import kombu
from kombu.exceptions import ChannelError
from kombu.transport import filesystem, redis, virtual
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

logger = logging.getLogger(__name__)

# The kombu releases (major, minor) whose Redis channel and QoS internals this was checked against.
CHECKED_KOMBU = ((5, 7),)
TRANSPORT = "leadops.broker:Transport"


def kombu_checked() -> bool:
    return tuple(int(part) for part in kombu.__version__.split(".")[:2]) in CHECKED_KOMBU


def transport_for(configured: str | None) -> str | None:
    """The transport Celery should use: this one only on a checked kombu release, else kombu's own."""
    if configured == TRANSPORT and not kombu_checked():
        logger.warning("kombu %s is not a release leadops/broker.py was checked against %s: using kombu's own "
                       "Redis transport.", kombu.__version__, CHECKED_KOMBU)
        return None
    return configured


def folder_options(folder: Path) -> dict[str, Any]:
    """The embedded default's broker (no REDIS_URL): kombu's filesystem transport, in this folder.

    Why this one: it ships with kombu (no package, no server), the web server, the worker and beat share it
    through file locks, and queued tasks survive a restart of `make run`. SQLAlchemy's transport would put a
    second writer on the SQLite file the app already keeps busy. The worker looks for new messages every
    POLLING_SECONDS, so a job's first progress can show within a second. Messages are written whole before any
    reader can see them (FolderTransport).
    """
    folder.mkdir(parents=True, exist_ok=True)
    return {"data_folder_in": str(folder), "data_folder_out": str(folder), "control_folder": str(folder / "control"),
            "polling_interval": POLLING_SECONDS}


POLLING_SECONDS = 0.2
FOLDER_TRANSPORT = "leadops.broker:FolderTransport"


class FolderChannel(filesystem.Channel):
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        """kombu's `_put`, made atomic: the message is written under a name no reader picks, then renamed.

        kombu creates the file under its final name and writes it afterwards, while a reader moves away any
        file with that name without a lock: a worker busy enough to look in between read an empty message and
        stopped ("JSONDecodeError: Expecting value"). A rename within one folder is atomic.
        """
        name = f"{int(round(time() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        try:
            with open(final + ".part", "wb") as handle:  # ".part": not "<queue>.msg", so no reader takes it
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(final + ".part", final)
        except OSError as error:
            raise ChannelError(f"Cannot add file {final!r} to directory") from error


class FolderTransport(filesystem.Transport):
    Channel = FolderChannel

# Longest an acknowledgement waits for a delivery to travel with, in seconds.
ACK_DELAY = 0.05


class QoS(redis.QoS):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A deque: a thread pool acknowledges from its threads while the loop sends.
        self._acks_to_send: deque[str] = deque()

    def append(self, message: Any, delivery_tag: str) -> None:
        """kombu's bookkeeping of a delivered message, with the waiting acknowledgements."""
        delivery = message.delivery_info
        with self.pipe_or_acquire() as pipe:
            self._queue_acks(pipe)
            pipe.zadd(self.unacked_index_key, {delivery_tag: time()}).hset(
                self.unacked_key, delivery_tag,
                dumps([message._raw, delivery["exchange"], delivery["routing_key"]]),
            ).execute()
            virtual.QoS.append(self, message, delivery_tag)

    def ack(self, delivery_tag: str) -> None:
        if not self.channel.connection.acks_wait:
            super().ack(delivery_tag)
            return
        self._acks_to_send.append(delivery_tag)
        virtual.QoS.ack(self, delivery_tag)

    def send_acks(self) -> None:
        """Send the waiting acknowledgements now."""
        if self._acks_to_send:
            with self.pipe_or_acquire() as pipe:
                self._queue_acks(pipe)
                pipe.execute()

    def _queue_acks(self, pipe: Any) -> None:
        while self._acks_to_send:
            self._remove_from_indices(self._acks_to_send.popleft(), pipe)


class Channel(redis.Channel):
    QoS = QoS
    _shared_client: Any = None

    def _create_client(self, asynchronous: bool = False) -> Any:
        if asynchronous:
            return super()._create_client(asynchronous=True)
        client = self._shared_client
        if client is None or client.connection_pool is not self.pool:  # a new pool after a reconnect
            client = self._shared_client = super()._create_client()
        return client

    def send_acks(self) -> None:
        if self._qos is not None and not self.closed:
            try:
                self._qos.send_acks()
            except Exception:  # the broker is away: Redis delivers those messages again later
                logger.warning("Could not send acknowledgements to the broker", exc_info=True)

    def close(self) -> None:
        self.send_acks()  # before kombu closes the pools
        super().close()


class Transport(redis.Transport):
    Channel = Channel
    # Set once a worker's event loop drives this connection: it then sends waiting acknowledgements.
    acks_wait = False
    _acks_timer: Any = None

    def register_with_event_loop(self, connection: Any, loop: Any) -> None:
        super().register_with_event_loop(connection, loop)
        if self._acks_timer is not None:
            self._acks_timer.cancel()
        self._acks_timer = loop.call_repeatedly(ACK_DELAY, self._send_acks)
        self.acks_wait = True

    def _send_acks(self) -> None:
        for channel in list(self.channels):
            channel.send_acks()
