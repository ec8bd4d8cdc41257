"""What ``badgekeeper install`` writes: host manifests and launchers. Pure text, no I/O.

Rules:
- A Chromium-family manifest lists ``allowed_origins`` (``chrome-extension://ID/``); a Firefox
  manifest lists ``allowed_extensions`` (add-on ids). Both name the launcher by absolute path.
- The launcher runs the interpreter that ran ``install`` (absolute path) with ``-m native_host``
  and sets: ``BADGEKEEPER_HOST_CONFIG`` (the install record, which lists the allowed ids),
  ``BADGEKEEPER_HOME`` as it was at install time (unset when it was unset, so the host reaches
  the agent the CLI reaches), and ``BADGEKEEPER_ALLOW_HOSTS`` when it was set.
- Shell values are single-quoted; ``.cmd`` values use ``set "NAME=value"`` with ``%`` doubled,
  so paths with spaces, quotes or percent signs survive. A value no launcher can carry (a
  newline, or ``"`` on Windows) is refused with a sentence saying so.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any

from agent.errors import BadgekeeperError, ErrorCode
from agent.install.browsers import HOST_NAME, Family
from agent.install.extension_ids import ExtensionIds

DESCRIPTION = "Badgekeeper: keeps the Open Badges you earn"
CONFIG_VARIABLE = "BADGEKEEPER_HOST_CONFIG"
KEPT_VARIABLES = ("BADGEKEEPER_HOME", "BADGEKEEPER_ALLOW_HOSTS")
_HEADER = "Badgekeeper's native messaging host, written by `badgekeeper install`."
_FOOTER = "`badgekeeper uninstall` removes it; `badgekeeper doctor` checks it."


def host_manifest(family: Family, launcher: str, ids: ExtensionIds) -> dict[str, Any]:
    """The manifest a browser of ``family`` reads to find and trust the host."""
    manifest: dict[str, Any] = {
        "name": HOST_NAME,
        "description": DESCRIPTION,
        "path": launcher,
        "type": "stdio",
    }
    if family == "firefox":
        manifest["allowed_extensions"] = list(ids.firefox)
    else:
        manifest["allowed_origins"] = [f"chrome-extension://{item}/" for item in ids.chrome]
    return manifest


def manifest_text(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def launcher_environment(record_path: str, environ: Mapping[str, str]) -> dict[str, str | None]:
    """The variables the launcher sets (None: the launcher unsets it)."""
    variables: dict[str, str | None] = {CONFIG_VARIABLE: record_path}
    variables["BADGEKEEPER_HOME"] = environ.get("BADGEKEEPER_HOME") or None
    if environ.get("BADGEKEEPER_ALLOW_HOSTS"):
        variables["BADGEKEEPER_ALLOW_HOSTS"] = environ["BADGEKEEPER_ALLOW_HOSTS"]
    return variables


def _refuse_newlines(values: list[str]) -> None:
    for value in values:
        if "\n" in value or "\r" in value or "\0" in value:
            raise BadgekeeperError(
                ErrorCode.INVALID_ARGUMENT,
                f"{value!r} contains a line break, which a launcher cannot carry. Use a path or "
                "value without one.",
            )


def unix_launcher(python: str, variables: Mapping[str, str | None]) -> str:
    """A POSIX shell launcher."""
    _refuse_newlines([python, *(v for v in variables.values() if v is not None)])
    lines = ["#!/bin/sh", f"# {_HEADER}", f"# {_FOOTER}"]
    for name, value in variables.items():
        if value is None:
            lines.append(f"unset {name}")
        else:
            lines.append(f"{name}={shlex.quote(value)}")
            lines.append(f"export {name}")
    lines.append(f'exec {shlex.quote(python)} -m native_host "$@"')
    return "\n".join(lines) + "\n"


def flatpak_launcher(python: str, variables: Mapping[str, str | None]) -> str:
    """A launcher for a sandboxed (Flatpak) browser: runs the host outside the sandbox.

    ``flatpak-spawn --host`` needs the browser to be allowed to talk to
    ``org.freedesktop.Flatpak``; ``badgekeeper doctor`` says how to allow it.
    """
    _refuse_newlines([python, *(v for v in variables.values() if v is not None)])
    options = " ".join(
        shlex.quote(f"--env={name}={value}") for name, value in variables.items() if value
    )
    return "\n".join(
        [
            "#!/bin/sh",
            f"# {_HEADER}",
            "# The browser runs in a Flatpak sandbox: the host runs outside it.",
            f"# {_FOOTER}",
            f'exec flatpak-spawn --host {options} {shlex.quote(python)} -m native_host "$@"',
            "",
        ]
    )


def _cmd_value(value: str) -> str:
    if '"' in value:
        raise BadgekeeperError(
            ErrorCode.INVALID_ARGUMENT,
            f"{value!r} contains a double quote, which a Windows launcher cannot carry.",
        )
    return value.replace("%", "%%")


def windows_launcher(python: str, variables: Mapping[str, str | None]) -> str:
    """A ``.cmd`` launcher (Chrome and Firefox run it through cmd.exe)."""
    _refuse_newlines([python, *(v for v in variables.values() if v is not None)])
    lines = ["@echo off", f"rem {_HEADER}", f"rem {_FOOTER}", "setlocal"]
    for name, value in variables.items():
        lines.append(f'set "{name}={_cmd_value(value or "")}"')
    lines.append(f'"{_cmd_value(python)}" -m native_host %*')
    return "\r\n".join(lines) + "\r\n"
