"""Fixtures for installer tests: a throw-away user (HOME, XDG_CONFIG_HOME, an empty PATH so no
browser program of this machine is found) and the CLI run in-process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent.cli import main


@dataclass
class User:
    home: Path
    bk_home: Path

    @property
    def config(self) -> Path:
        return self.home / ".config"

    @property
    def host_folder(self) -> Path:
        return self.bk_home / "data" / "native-host"

    def make_chromium_profile(self, folder: str = "chromium") -> Path:
        profile = self.config / folder
        profile.mkdir(parents=True)
        (profile / "Local State").write_text("{}")
        return profile

    def make_firefox_profile(self) -> Path:
        profile = self.home / ".mozilla" / "firefox"
        profile.mkdir(parents=True)
        (profile / "profiles.ini").write_text("[General]\n")
        return profile

    def files(self) -> list[str]:
        """Every file and folder under the user's home (relative), sorted."""
        return sorted(str(path.relative_to(self.home)) for path in self.home.rglob("*"))


@pytest.fixture
def user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, badgekeeper_home: Path) -> User:
    home = tmp_path / "home"
    home.mkdir()
    empty_path = tmp_path / "bin"
    empty_path.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("PATH", str(empty_path))
    monkeypatch.delenv("BADGEKEEPER_ALLOW_HOSTS", raising=False)
    return User(home, badgekeeper_home)


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Run:
    """Run ``badgekeeper ARGS`` in-process; returns (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run
