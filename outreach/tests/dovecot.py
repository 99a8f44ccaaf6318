"""A throw-away Dovecot IMAP server on loopback, for the tests and bench/mailbox_bench.py.

Debian's dovecot-imapd (scripts/test installs it), started with a config of its own in a temporary
folder: its own port on 127.0.0.1, passwd-file users, Maildir storage, plain-text login without TLS
(loopback only). The system's Dovecot, if any, is neither used nor touched.
"""

import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Dovecot:
    """Started with `start()`, stopped (and its folder removed) with `stop()`."""

    def __init__(self, users: dict[str, str]) -> None:
        # Its own folder under /tmp, readable by Dovecot's unprivileged processes (pytest's tmp_path is not).
        self.directory = Path(tempfile.mkdtemp(prefix="leadops-dovecot-"))
        self.directory.chmod(0o755)
        self.users = users
        self.port = free_port()
        self.config = self.directory / "dovecot.conf"

    def _identity(self) -> tuple[str, str, str, int]:
        """Who runs what: as root, Dovecot's own users (it refuses root for mail); otherwise ourselves."""
        if os.geteuid() == 0:
            mail_user = pwd.getpwnam("dovecot")
            return "dovecot", "dovecot", "dovenull", mail_user.pw_uid
        me = pwd.getpwuid(os.geteuid())
        return me.pw_name, me.pw_name, me.pw_name, me.pw_uid

    def write_config(self) -> None:
        internal, group, login, uid = self._identity()
        for name in ("run", "state", "home"):
            (self.directory / name).mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory / "home", user=internal, group=group)
        (self.directory / "users").write_text(
            "".join(f"{user}:{{PLAIN}}{password}::::::\n" for user, password in self.users.items()))
        self.config.write_text(f"""
base_dir = {self.directory}/run
state_dir = {self.directory}/state
log_path = {self.directory}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {group}
default_login_user = {login}
first_valid_uid = {min(uid, 100) or 1}
# Throw-away mail: no fsync per message (APPEND of thousands of messages is the bench's set-up, not its figure).
mail_fsync = never
mail_location = maildir:{self.directory}/home/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.directory}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={pwd.getpwuid(uid).pw_gid} home={self.directory}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
""")

    def start(self) -> None:
        self.write_config()
        # The master daemonizes: with its output captured, waiting for it would wait for the daemon's end.
        subprocess.run([DOVECOT, "-c", str(self.config)], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as probe:
                    if probe.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"Dovecot did not start on port {self.port}; see {self.directory}/dovecot.log")

    def stop(self) -> None:
        try:
            self._stop_master()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    def _stop_master(self) -> None:
        pid_file = self.directory / "run" / "master.pid"
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text().strip())
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def client(self, user: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=30)
        client.login(user, self.users[user])
        return client

    def deliver(self, user: str, *messages: bytes) -> None:
        """Put messages in the user's INBOX as a mail client would see them arrive (IMAP APPEND)."""
        client = self.client(user)
        try:
            for raw in messages:
                status, data = client.append("INBOX", None, None, raw)
                if status != "OK":
                    raise RuntimeError(f"APPEND refused: {data!r}")
        finally:
            client.logout()

    def flags(self, user: str) -> dict[int, bytes]:
        """Each message's UID and flags, as the server holds them."""
        client = self.client(user)
        try:
            client.select("INBOX")
            status, data = client.uid("FETCH", "1:*", "(FLAGS)")
            found: dict[int, bytes] = {}
            for line in data:
                if isinstance(line, bytes) and b"UID" in line:
                    uid = int(line.split(b"UID ")[1].split()[0].rstrip(b")"))
                    found[uid] = line
            return found
        finally:
            client.logout()
