"""`make run` from a fresh copy of the checkout serves where the README says: 127.0.0.1:8000,
or the port in PORT.

The copy has the working tree's files (tracked and not ignored) but no var/, no .env and no
.venv of its own: .venv is a link to this checkout's, and make is told the install step is
done, so nothing is fetched from the network. Everything make starts is stopped at the end,
honcho's children included (honcho starts each in a session of its own).
"""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README_PORT = 8000
# What a new user's shell has; nothing of ours (DATABASE_URL, PORT, ...) leaks in.
KEPT_ENV = ("PATH", "HOME", "USER", "LANG", "LC_ALL", "TMPDIR", "TERM")
SERVING = re.compile(r"Starting development server at http://127\.0\.0\.1:(\d+)/")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fresh_copy(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("fresh-clone")
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    (copy / ".venv").symlink_to(ROOT / ".venv")
    return copy


def _port_free(port: int) -> bool:
    """Nothing listens on the port (connections of a stopped server may linger in
    TIME_WAIT; SO_REUSEADDR binds past those, as runserver does, but not past a listener)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _require_free(port: int) -> None:
    if not _port_free(port):
        pytest.fail(
            f"127.0.0.1:{port} is already in use (a development server?). This test starts "
            f"`make run` on it: stop whatever listens there and run the test again.",
            pytrace=False,
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    """Every live descendant of `pid`, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent:
                found.append(child)
                frontier.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@contextlib.contextmanager
def _make_run(copy: Path, log: Path, **env: str) -> Iterator[subprocess.Popen]:
    """`make run` in `copy`; on exit Ctrl-C as a user would (honcho stops its processes),
    then SIGKILL whatever is left, and check that nothing it started still runs."""
    environment = {k: os.environ[k] for k in KEPT_ENV if k in os.environ}
    # Unbuffered, so runserver's "Starting development server at ..." reaches the log now.
    environment |= {"PYTHONUNBUFFERED": "1", **env}
    process = subprocess.Popen(
        # --old-file: the linked .venv is installed already; make must not run pip.
        ["make", "--old-file=.venv/.installed", "run"],
        cwd=copy,
        env=environment,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    seen: set[int] = set()
    try:
        yield process
    finally:
        seen.update(_children(process.pid))
        groups = {process.pid}
        for pid in seen:
            with contextlib.suppress(ProcessLookupError):
                groups.add(os.getpgid(pid))
        with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=15)
        for group in groups:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
        process.wait(timeout=10)
    assert [pid for pid in seen if _alive(pid)] == []


def _answers(port: int) -> bool:
    url = f"http://127.0.0.1:{port}/health/"
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def _wait_until_served(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 180  # install, migrate and seed on a busy machine
    while not _answers(port):
        output = log.read_text()
        served = SERVING.search(output)
        if served and int(served[1]) != port:
            pytest.fail(f"make run serves on port {served[1]}, not {port}:\n{output}")
        if process.poll() is not None:
            pytest.fail(f"make run exited ({process.returncode}):\n{output}")
        if time.monotonic() > deadline:
            pytest.fail(f"nothing answered on 127.0.0.1:{port}:\n{output}")
        time.sleep(0.25)


def test_make_run_serves_on_port_8000_with_no_port_set(fresh_copy, tmp_path):
    _require_free(README_PORT)
    log = tmp_path / "make-run.log"
    with _make_run(fresh_copy, log) as process:
        _wait_until_served(process, README_PORT, log)
        output = log.read_text()
        assert "Mentoring is starting on http://127.0.0.1:8000/" in output
        assert "Starting development server at http://127.0.0.1:8000/" in output
    assert _port_free(README_PORT)


def test_make_run_serves_on_the_port_in_port(fresh_copy, tmp_path):
    _require_free(README_PORT)
    port = _free_port()
    log = tmp_path / "make-run.log"
    with _make_run(fresh_copy, log, PORT=str(port)) as process:
        _wait_until_served(process, port, log)
        output = log.read_text()
        assert f"Mentoring is starting on http://127.0.0.1:{port}/" in output
        assert f"Starting development server at http://127.0.0.1:{port}/" in output
        assert not _answers(README_PORT)
    assert _port_free(port)
