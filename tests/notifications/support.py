"""A local SMTP sink and a real Celery worker subprocess, for fault tests and bench/reminders.

The sink (aiosmtpd) records the ledger id of every message it receives (the
X-Mentoring-Notification header) with the time it arrived. The worker is
`celery -A mentoring worker` in its own process group, so it can be killed with SIGKILL
like a crashed machine would be.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# A search, not an email parse: the sink shares the benchmark's CPU with the worker it times.
LEDGER_HEADER = re.compile(rb"^X-Mentoring-Notification: *(\d+)\r?$", re.MULTILINE | re.IGNORECASE)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """Receives mail on 127.0.0.1:<port>; `received` is a list of (ledger id, arrival time),
    `sessions` counts SMTP sessions (one EHLO each)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.received: list[tuple[int, float]] = []
        self.sessions = 0
        self._lock = threading.Lock()
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        with self._lock:
            self.sessions += 1
        return responses

    async def handle_DATA(self, server, session, envelope):
        content = envelope.content
        header_end = content.find(b"\r\n\r\n")
        found = LEDGER_HEADER.search(content, 0, header_end if header_end >= 0 else len(content))
        with self._lock:
            self.received.append((int(found[1]) if found else -1, time.time()))
        return "250 OK"

    def ids(self) -> list[int]:
        with self._lock:
            return [pk for pk, _ in self.received]

    def __enter__(self):
        self._controller.start()
        return self

    def __exit__(self, *exc):
        self._controller.stop()

    @property
    def email_url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


def worker_env(*, database_url: str, redis_url: str, email_url: str, **extra: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mentoring.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "EMAIL_URL": email_url,
        "DEBUG": "false",
        "SECRET_KEY": "worker-under-test-" + "x" * 48,
        "ALLOWED_HOSTS": "localhost",
        **extra,
    }
    env.pop("CELERY_BROKER_URL", None)
    return env


class Worker:
    """`celery worker` as a subprocess; `kill()` is SIGKILL to its whole process group."""

    def __init__(self, env: dict, *, concurrency: int = 2, log: Path | None = None) -> None:
        self.env, self.concurrency, self.log = env, concurrency, log
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        celery = str(Path(sys.executable).with_name("celery"))
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        command = [celery, "-A", "mentoring", "worker", "-l", "warning"]
        command += ["-c", str(self.concurrency), "-n", f"w{time.time_ns()}@%h"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        return self

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class RedisServer:
    """A throwaway redis-server on its own port, to stop and start during a test."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
