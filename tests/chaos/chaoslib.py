"""Shared pieces of the chaos drills: start and kill the real binary, talk GraphQL to it,
read its log. Standard library only, so the drills run on any machine with Python 3.11.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def default_binary() -> Path:
    """target/release/hindsight if it was built, else the debug one (the README's rule)."""
    release = REPO / "target" / "release" / "hindsight"
    if release.exists():
        return release
    return REPO / "target" / "debug" / "hindsight"


def private_copy(binary: Path, workdir: Path) -> Path:
    """Copies the binary into the run's folder: cargo may rebuild target/ while a long run is
    going, and restarting a half-written or different binary would make trials incomparable."""
    if not binary.is_file():
        fail(f"no binary at {binary}; build it first or pass --binary")
    dest = workdir / "hindsight"
    shutil.copy2(binary, dest)
    dest.chmod(0o755)
    return dest


def clean_env() -> dict:
    """The caller's environment without hindsight's own settings: a DATABASE_URL or
    HINDSIGHT_* left in a developer's shell must not point a drill at their database."""
    return {k: v for k, v in os.environ.items()
            if k != "DATABASE_URL" and not k.startswith("HINDSIGHT_")}


def fail(message: str, code: int = 2) -> None:
    print(f"FAIL: {message}", file=sys.stderr, flush=True)
    sys.exit(code)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def token(binary: Path, data_dir: Path, env: dict) -> str:
    """A development admin token signed with the data folder's secret (`hindsight token`)."""
    out = subprocess.run(
        [str(binary), "token", "--data-dir", str(data_dir), "--sub", "chaos",
         "--name", "Chaos", "--role", "admin", "--ttl", "24h"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    if out.returncode != 0:
        fail(f"`hindsight token` failed ({out.returncode}): {out.stderr.strip()}")
    return out.stdout.strip().splitlines()[-1]


class Server:
    """One run of `hindsight serve`, its output appended to `log`."""

    def __init__(self, binary: Path, data_dir: Path, port: int, log: Path,
                 database_url: str | None = None, env: dict | None = None):
        self.port = port
        self.log = log
        args = [str(binary), "serve", "--data-dir", str(data_dir),
                "--listen", f"127.0.0.1:{port}"]
        if database_url:
            args += ["--database-url", database_url]
        self.logfile = open(log, "ab")
        self.started = time.monotonic()
        self.ready_after = 0.0
        # Started directly (no shell), so the pid we signal is the server's own.
        self.proc = subprocess.Popen(args, stdout=self.logfile, stderr=subprocess.STDOUT,
                                     env=env if env is not None else clean_env())

    def wait_ready(self, limit: float = 60.0) -> float:
        """Seconds until /readyz answered 200. Fails the run if the process exits first or
        is not ready within `limit`: a server that cannot restart on its own data is a
        finding, not something to retry."""
        deadline = self.started + limit
        while time.monotonic() < deadline:
            code = self.proc.poll()
            if code is not None:
                fail(f"the server exited with {code} before it was ready; log {self.log}:\n"
                     + tail(self.log))
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/readyz")
                if conn.getresponse().status == 200:
                    conn.close()
                    self.ready_after = time.monotonic() - self.started
                    return self.ready_after
                conn.close()
            except OSError:
                pass
            time.sleep(0.02)
        self.kill()
        fail(f"the server was not ready within {limit:.0f} s; log {self.log}:\n" + tail(self.log))
        return 0.0

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a power cut or an OOM kill."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.logfile.close()

    def terminate(self, limit: float = 30.0) -> int:
        """SIGTERM, then waits for the graceful shutdown; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            self.kill()
            fail(f"the server did not stop within {limit:.0f} s of SIGTERM; log {self.log}")
        self.logfile.close()
        return code


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def panics(path: Path) -> list[str]:
    """Lines of a log that show a Rust panic (the default hook prints `panicked at`)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if "panicked at" in line or "RUST_BACKTRACE" in line]


class Client:
    """A keep-alive GraphQL client for one thread (http.client is not thread-safe)."""

    def __init__(self, port: int, token: str, timeout: float = 15.0):
        self.port = port
        self.token = token
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def post(self, query: str, variables: dict | None = None) -> tuple[int, dict]:
        """(HTTP status, parsed body). Raises OSError / http.client errors when the server
        does not answer: the caller decides what an unanswered request means."""
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            self.conn.request("POST", "/graphql", body=body, headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            })
            res = self.conn.getresponse()
            raw = res.read()
        except Exception:
            self.close()
            raise
        try:
            parsed = json.loads(raw) if raw else {}
        except ValueError:
            parsed = {"errors": [{"message": f"not JSON: {raw[:200]!r}"}]}
        return res.status, parsed

    def ok(self, query: str, variables: dict | None = None) -> dict:
        """The `data` of a request that must succeed; anything else stops the run, because the
        checks that follow would be meaningless."""
        status, body = self.post(query, variables)
        if status != 200 or body.get("errors") or body.get("data") is None:
            fail(f"request failed ({status}): {json.dumps(body)[:800]}\nquery: {query[:300]}")
        return body["data"]


def acknowledged(status: int, body: dict, field: str) -> dict | None:
    """The mutation's result if the server acknowledged it: HTTP 200, no errors, data set."""
    if status != 200 or body.get("errors"):
        return None
    data = body.get("data") or {}
    return data.get(field)


def createdb(name: str) -> str:
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True,
                   capture_output=True, text=True)
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def dropdb(name: str) -> None:
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name],
                   capture_output=True, text=True)
