"""``badgekeeper doctor``: what is registered where, what is missing, why, and the fix.

Rules:
- Every finding is ``ok``, a ``warning`` (works, or may, with a caveat) or a ``problem``; a
  finding that is not ok carries the exact command or step that fixes it.
- It checks what the install records list (the manifest is there, is ours, names a launcher
  that exists and trusts the extension), every browser found that has no registration, the
  Flatpak permission ``flatpak-spawn --host`` needs, and Snap caveats; then, unless told not to,
  it runs the installed host once and asks the agent ``agent.hello`` through it.
- Read-only, apart from the probe (which starts the agent if it is not running).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from agent.install.browsers import BROWSERS, HOST_NAME
from agent.install.detect import BrowserInstall
from agent.install.extension_ids import ExtensionIds
from agent.install.locations import RegistryKey
from agent.install.probe import ProbeResult
from agent.install.record import InstallRecord, Registration
from agent.install.registry import read_default_value

Level = Literal["ok", "warning", "problem"]
FLATPAK_PERMISSION = "org.freedesktop.Flatpak=talk"


@dataclass(frozen=True)
class Finding:
    """One thing checked."""

    level: Level
    code: str
    subject: str
    where: str
    message: str
    fix: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "code": self.code,
            "subject": self.subject,
            "where": self.where,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass
class DoctorReport:
    installs: list[BrowserInstall]
    records: dict[str, InstallRecord | None]
    findings: list[Finding] = field(default_factory=list)
    probe: ProbeResult | None = None

    @property
    def ok(self) -> bool:
        return all(finding.level != "problem" for finding in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "records": {
                path: (record.to_json() if record is not None else None)
                for path, record in self.records.items()
            },
            "browsers": [
                {
                    "browser": install.browser,
                    "name": install.label,
                    "variant": install.variant,
                    "evidence": install.evidence,
                    "app_id": install.app_id,
                }
                for install in self.installs
            ],
            "findings": [finding.to_json() for finding in self.findings],
            "probe": self.probe.to_json() if self.probe is not None else None,
        }


def _install_fix(browser: str, registration: Registration | None = None) -> str:
    if registration is not None and registration.scope == "user-data-dir":
        folder = Path(registration.target).parent.parent
        return f"badgekeeper install --browser {browser} --user-data-dir {folder}"
    if registration is not None and registration.scope == "system":
        return f"badgekeeper install --system --browser {browser}"
    return f"badgekeeper install --browser {browser}"


def check_manifest_file(
    path: Path, launcher: str, builtin: ExtensionIds, family: str
) -> tuple[Level, str, str]:
    """``(level, code, message)`` for the manifest at ``path``."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "problem", "NOT_REGISTERED", "no manifest is there"
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return "problem", "MANIFEST_BROKEN", f"the manifest cannot be read ({exc})"
    if not isinstance(manifest, dict) or manifest.get("name") != HOST_NAME:
        return "problem", "MANIFEST_BROKEN", f"the file is not a manifest for {HOST_NAME}"
    if manifest.get("path") != launcher:
        return (
            "problem",
            "MANIFEST_FOREIGN",
            f"the manifest names another launcher ({manifest.get('path')})",
        )
    if not os.path.exists(launcher):
        return "problem", "LAUNCHER_MISSING", f"the launcher {launcher} does not exist"
    if family == "firefox":
        trusted = set(manifest.get("allowed_extensions") or ()) >= set(builtin.firefox)
    else:
        wanted = {f"chrome-extension://{item}/" for item in builtin.chrome}
        trusted = set(manifest.get("allowed_origins") or ()) >= wanted
    if not trusted:
        return "problem", "ID_NOT_ALLOWED", "the manifest does not allow Badgekeeper's extension id"
    return "ok", "OK", "registered"


def flatpak_permission_granted(app_id: str, home: Path, root: Path) -> bool:
    """Whether the app may use ``flatpak-spawn --host`` (an override or its own metadata)."""
    candidates = [
        home / ".local/share/flatpak/overrides" / app_id,
        root / "var/lib/flatpak/overrides" / app_id,
        home / ".local/share/flatpak/app" / app_id / "current/active/metadata",
        root / "var/lib/flatpak/app" / app_id / "current/active/metadata",
    ]
    for candidate in candidates:
        try:
            if FLATPAK_PERMISSION in candidate.read_text(encoding="utf-8", errors="replace"):
                return True
        except OSError:
            continue
    return False


def _check_registration(
    record: InstallRecord, registration: Registration, builtin: ExtensionIds, home: Path, root: Path
) -> list[Finding]:
    spec = BROWSERS.get(registration.browser)
    subject = spec.name if spec else registration.browser
    if registration.variant != "native":
        subject += f" ({registration.variant.capitalize()})"
    fix = _install_fix(registration.browser, registration)
    family = spec.family if spec else "chromium"
    findings: list[Finding] = []
    launcher = registration.extras[0] if registration.extras else record.launcher
    if registration.is_registry:
        key = RegistryKey.parse(registration.target)
        if read_default_value(key) != registration.manifest:
            findings.append(
                Finding(
                    "problem",
                    "NOT_REGISTERED",
                    subject,
                    registration.target,
                    f"the registry key does not name {registration.manifest}",
                    fix,
                )
            )
            return findings
    level, code, message = check_manifest_file(
        Path(registration.manifest), launcher, builtin, family
    )
    findings.append(
        Finding(level, code, subject, registration.target, message, None if level == "ok" else fix)
    )
    if registration.variant == "flatpak" and spec is not None and spec.flatpak is not None:
        app_id = spec.flatpak.app_id
        if not flatpak_permission_granted(app_id, home, root):
            findings.append(
                Finding(
                    "problem",
                    "FLATPAK_PERMISSION",
                    subject,
                    app_id,
                    "the browser runs in a Flatpak sandbox and may not start programs outside it, "
                    "so it cannot start the host (through flatpak-spawn --host)",
                    f"flatpak override --user --talk-name=org.freedesktop.Flatpak {app_id}",
                )
            )
    if registration.variant == "snap" and registration.browser == "chromium":
        findings.append(
            Finding(
                "warning",
                "SNAP_CONFINED",
                subject,
                registration.target,
                "Snap Chromium confines the programs it starts; it may refuse to run the host "
                "(AppArmor), and the extension then reports the host as missing or forbidden",
                "If it does, use Chromium from your distribution's packages or its Flatpak.",
            )
        )
    return findings


def _uncovered(install: BrowserInstall, records: list[InstallRecord]) -> Finding | None:
    registered = [
        r
        for record in records
        for r in record.registrations
        if r.browser == install.browser and r.variant == install.variant
    ]
    if install.variant == "snap" and install.browser == "firefox":
        native = [
            r
            for record in records
            for r in record.registrations
            if r.browser == "firefox" and r.variant == "native"
        ]
        return Finding(
            "warning" if native else "problem",
            "SNAP_PORTAL" if native else "NOT_REGISTERED",
            install.label,
            install.evidence,
            "Firefox from Snap starts native hosts through the WebExtensions portal "
            "(xdg-desktop-portal 1.17 or later), which reads the usual ~/.mozilla location"
            + ("; allow Badgekeeper when Firefox asks" if native else ", and nothing is there"),
            None if native else _install_fix("firefox"),
        )
    if registered:
        return None
    return Finding(
        "problem",
        "NOT_REGISTERED",
        install.label,
        install.evidence,
        "this browser is installed, but the native host is not registered for it",
        _install_fix(install.browser),
    )


def diagnose(
    records: dict[str, InstallRecord | None],
    installs: list[BrowserInstall],
    builtin: ExtensionIds,
    *,
    home: Path,
    root: Path = Path("/"),
    probe: Callable[[InstallRecord], ProbeResult] | None = None,
) -> DoctorReport:
    """Check every record and every browser found; run ``probe`` on the user's launcher."""
    report = DoctorReport(installs, records)
    present = [record for record in records.values() if record is not None]
    if not present:
        report.findings.append(
            Finding(
                "problem",
                "NOT_INSTALLED",
                "native host",
                ", ".join(records),
                "the native host is not installed (no install record)",
                "badgekeeper install",
            )
        )
    for record in present:
        report.findings += _check_launcher(record)
        for registration in record.registrations:
            report.findings += _check_registration(record, registration, builtin, home, root)
    for install in installs:
        finding = _uncovered(install, present)
        if finding is not None:
            report.findings.append(finding)
    if not installs and not any(record.registrations for record in present):
        report.findings.append(
            Finding(
                "warning",
                "NO_BROWSER",
                "browsers",
                "",
                "no supported browser was found",
                "Install one, or name yours: badgekeeper install --browser chrome",
            )
        )
    if probe is not None and present and os.path.exists(present[0].launcher):
        report.probe = probe(present[0])
        if not report.probe.ok:
            report.findings.append(
                Finding(
                    "problem",
                    "PROBE_FAILED",
                    "host → agent",
                    present[0].launcher,
                    f"the host did not relay agent.hello: {report.probe.error}",
                    "Run `badgekeeper serve` in a terminal to see why the agent does not start.",
                )
            )
    return report


def _check_launcher(record: InstallRecord) -> list[Finding]:
    if not os.path.exists(record.launcher):
        return [
            Finding(
                "problem",
                "LAUNCHER_MISSING",
                "launcher",
                record.launcher,
                "the launcher the manifests name is gone",
                "badgekeeper install",
            )
        ]
    if not os.path.exists(record.python):
        return [
            Finding(
                "problem",
                "PYTHON_MISSING",
                "launcher",
                record.launcher,
                f"the launcher runs {record.python}, which no longer exists (a removed "
                "virtual environment?)",
                "Run `badgekeeper install` again with the Badgekeeper you use now.",
            )
        ]
    return [Finding("ok", "OK", "launcher", record.launcher, f"runs {record.python}")]


def render(report: DoctorReport) -> str:
    """The human-readable report."""
    lines = []
    found = ", ".join(f"{i.label} ({i.evidence})" for i in report.installs) or "none"
    lines.append(f"Browsers found: {found}")
    for path, record in report.records.items():
        state = "present" if record is not None else "none"
        lines.append(f"Install record: {path} ({state})")
    marks = {"ok": "✓", "warning": "!", "problem": "✗"}
    for finding in report.findings:
        where = f" — {finding.where}" if finding.where else ""
        lines.append(f"{marks[finding.level]} {finding.subject}: {finding.message}{where}")
        if finding.fix:
            lines.append(f"    fix: {finding.fix}")
    if report.probe is not None and report.probe.ok:
        agent = (report.probe.reply or {}).get("result", {})
        lines.append(
            f"✓ host → agent: agent.hello answered in {report.probe.milliseconds:.0f} ms "
            f"(agent {agent.get('version')}, protocol {agent.get('protocol')}, "
            f"pid {agent.get('pid')})"
        )
    lines.append("All good." if report.ok else "Some things need fixing (see fix: above).")
    return "\n".join(lines) + "\n"
