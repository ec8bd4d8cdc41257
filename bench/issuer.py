"""The harness's handle on the loopback issuer process (``bench.issuer_server``)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
MAIN_HOST = "127.0.0.1"
OTHER_HOST = "127.0.0.2"  # a second loopback address: another origin for scope checks


@dataclass(frozen=True)
class Document:
    """What the issuer serves at one path."""

    body: bytes
    status: int = 200
    content_type: str = "application/ld+json"
    cache_control: str | None = None

    @classmethod
    def json(
        cls, data: Mapping[str, Any], *, status: int = 200, cache_control: str | None = None
    ) -> Document:
        text = json.dumps(data, indent=1).encode()
        return cls(text, status=status, cache_control=cache_control)


class Issuer:
    """Starts the issuer process on loopback hosts; loads sites, reads counts, sets delay.

    By default it listens once on each of two hosts (another origin for scope checks); with
    ``listeners`` it listens that many times on each host, one port per issuer.
    """

    def __init__(
        self, hosts: tuple[str, ...] = (MAIN_HOST, OTHER_HOST), *, listeners: int = 1
    ) -> None:
        self._hosts = hosts
        self._listeners = listeners
        self._proc: subprocess.Popen[str] | None = None
        self.ports: dict[str, int] = {}
        self.listener_ports: dict[str, list[int]] = {}

    def __enter__(self) -> Issuer:
        argv = [sys.executable, "-m", "bench.issuer_server", "--listeners", str(self._listeners)]
        self._proc = subprocess.Popen(
            [*argv, *self._hosts],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError("the loopback issuer did not start (see its error output above)")
        ready = json.loads(line)
        self.ports = {host: int(port) for host, port in ready["ports"].items()}
        self.listener_ports = {
            host: [int(port) for port in ports] for host, ports in ready["listeners"].items()
        }
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._proc is not None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def base(self, host: str = MAIN_HOST) -> str:
        return f"http://{host}:{self.ports[host]}"

    def bases(self, host: str = MAIN_HOST) -> list[str]:
        """The base URL of every listener on ``host`` (one origin each)."""
        return [f"http://{host}:{port}" for port in self.listener_ports[host]]

    def _control(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - our own loopback server
            self.base() + "/_bench/" + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return json.loads(response.read())

    def load(self, documents: Mapping[str, Document]) -> None:
        """Serve these documents (by path, on every host) in addition to those already loaded."""
        spec = {
            path: {
                "status": doc.status,
                "body_b64": base64.b64encode(doc.body).decode(),
                "content_type": doc.content_type,
                "cache_control": doc.cache_control,
            }
            for path, doc in documents.items()
        }
        self._control("POST", "load", spec)

    def reset_counts(self) -> None:
        self._control("POST", "reset", {})

    def counts(self) -> dict[str, int]:
        return dict(self._control("GET", "stats")["counts"])

    def total_requests(self) -> int:
        return int(self._control("GET", "stats")["total"])

    def set_delay(self, ms: float) -> None:
        self._control("POST", "delay", {"ms": ms})
