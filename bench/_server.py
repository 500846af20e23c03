"""gunicorn for the benchmarks in bench/: started on 127.0.0.1 and a free port in its own process group,
waited for until a path answers 200, stopped with that whole group (SIGTERM, then SIGKILL).

    server = Gunicorn("ecredit.wsgi", ["--workers", "1", ...], env, home / "gunicorn.log")
    try:
        server.wait_ready("/api/v1/health")
        ...
    finally:
        server.stop()
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn in its own process group, killed with that group on exit.

    Runs `gunicorn APP --bind 127.0.0.1:PORT OPTIONS...` in the project's root with `env`; its output
    (stdout and stderr) goes to `log_path`."""

    def __init__(self, app: str, options: list[str], env: dict, log_path: Path) -> None:
        self.port = free_port()
        self.log_path = log_path
        self.log_file = open(self.log_path, "wb")
        try:
            self.proc = subprocess.Popen(
                [GUNICORN, app, "--bind", f"127.0.0.1:{self.port}", *options],
                env=env, cwd=ROOT, stdout=self.log_file, stderr=subprocess.STDOUT, start_new_session=True)
        except BaseException:
            self.log_file.close()
            raise

    def get(self, path: str, timeout: float = 60) -> tuple[int, str, bytes]:
        """GET on a new connection: (status, Content-Type, body)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.getheader("Content-Type") or "", response.read()
        finally:
            conn.close()

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        """Return once GET `path` answers 200; raise (with the log's tail) if gunicorn exits or time is up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}): {self.tail()}")
            try:
                if self.get(path, timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn not ready after {timeout}s: {self.tail()}")

    def tail(self) -> str:
        """The last 2,000 bytes of gunicorn's output."""
        self.log_file.flush()
        return self.log_path.read_bytes()[-2000:].decode("utf-8", "replace")

    def stop(self) -> None:
        """SIGTERM to the process group, SIGKILL if it is still there after 10 s."""
        if self.proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self.log_file.close()
