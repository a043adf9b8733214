"""Real processes for the production tests: start one, wait until it serves, stop or kill it, read its output.

Each process leads its own process group, so stopping it stops its children too (gunicorn's and Celery's workers,
or the gunicorn that `sh -c` started); its output (stdout and stderr) goes to a file that a failing test prints.
"""

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
TAIL_CHARS = 6000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], object], what: str, timeout: float = 30, interval: float = 0.1):
    """Poll until condition() is truthy and return its value; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"no {what} within {timeout} s"
        time.sleep(interval)
    return value


class Process:
    """One command running in its own process group, with its output in `log_dir/<name>.log`."""

    def __init__(self, name: str, argv: list[str], *, env: dict[str, str], log_dir: Path, cwd: Path = ROOT):
        self.name, self.argv = name, argv
        self.log_path = log_dir / f"{name}.log"
        with self.log_path.open("wb") as log:
            self.popen = subprocess.Popen(
                argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def __repr__(self):
        return f"<Process {self.name} pid={self.popen.pid}>"

    @property
    def running(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def report(self) -> str:
        """The command and the end of its output, for a failure message."""
        state = "running" if self.running else f"exited {self.popen.returncode}"
        return f"--- {self.name} ({state}): {' '.join(self.argv)}\n{self.output()[-TAIL_CHARS:]}"

    def wait_for(self, condition: Callable[[], object], what: str, timeout: float = 30):
        """Poll until condition() is truthy; fail with this process's output if it exits or the time runs out."""
        deadline = time.monotonic() + timeout
        while not (value := condition()):
            if not self.running:
                raise AssertionError(f"{self.name} exited before {what}\n{self.report()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} within {timeout} s\n{self.report()}")
            time.sleep(0.1)
        return value

    def wait_for_output(self, text: str, timeout: float = 30) -> None:
        self.wait_for(lambda: text in self.output(), f"{text!r} in the output of {self.name}", timeout)

    def wait_for_url(self, url: str, timeout: float = 60, headers: dict | None = None) -> httpx.Response:
        """Wait until a GET of url answers (any status); returns that response."""

        def get():
            try:
                return httpx.get(url, headers=headers, timeout=2)
            except httpx.TransportError:
                return None

        return self.wait_for(get, f"answer from {url}", timeout)

    def signal_group(self, signum: int) -> None:
        with suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signum)

    def kill(self) -> None:
        """SIGKILL the whole group at once, as the kernel's OOM killer or `docker kill` would."""
        self.signal_group(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM the leader as `docker stop` does (a warm shutdown), then SIGKILL whatever is left of the group."""
        if self.running:
            self.popen.send_signal(signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=timeout)
        # Children can outlive the group's leader (the gunicorn of an `sh -c` that already exited).
        self.signal_group(signal.SIGKILL)
        with suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=timeout)


def run(argv: list[str], *, env: dict[str, str], timeout: float = 120, cwd: Path = ROOT) -> str:
    """Run a command to completion; fail with its output unless it exits 0. Returns the output."""
    done = subprocess.run(
        argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{' '.join(argv)} exited {done.returncode}:\n{done.stdout[-TAIL_CHARS:]}"
    return done.stdout
