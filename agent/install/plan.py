"""Plans for ``install`` and ``uninstall``: what to write, set and remove, decided up front.

Rules:
- Planning reads (the install record, which browsers are present) but never writes; ``apply``
  carries a plan out, and ``--dry-run`` prints it instead.
- ``install`` registers every browser found (or each one named): its usual location, plus its
  Flatpak and Snap locations when those are installed. Registering a location again replaces
  that registration; the others stay.
- ``uninstall`` takes back the registrations the record lists (all, or those of the browsers
  named, or those under ``--user-data-dir``); the launcher and the record go with the last one.
- Two browsers that read the same location (Brave and Chrome's folder on macOS, Brave and
  Vivaldi and Chrome's key on Windows) share one registration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from agent.errors import BadgekeeperError, ErrorCode
from agent.install.browsers import BROWSERS, Browser, Family
from agent.install.detect import BrowserInstall
from agent.install.extension_ids import ExtensionIds
from agent.install.locations import (
    RECORD_FILE,
    Platform,
    RegistryKey,
    flatpak_launcher_location,
    flatpak_manifest_location,
    host_folder,
    launcher_name,
    manifest_locations,
    native_text,
    snap_manifest_location,
    windows_manifest_name,
)
from agent.install.manifests import (
    flatpak_launcher,
    host_manifest,
    launcher_environment,
    manifest_text,
    unix_launcher,
    windows_launcher,
)
from agent.install.record import InstallRecord, Registration, Scope


@dataclass(frozen=True)
class InstallContext:
    """The machine and user an install is planned for."""

    platform: Platform
    home: Path
    env: Mapping[str, str]
    data_dir: Path
    python: str
    builtin_ids: ExtensionIds


@dataclass(frozen=True)
class InstallRequest:
    """What the command line asked for."""

    browsers: tuple[str, ...] = ()
    system: bool = False
    user_data_dir: Path | None = None
    extension_ids: ExtensionIds = field(default_factory=lambda: ExtensionIds((), ()))


@dataclass(frozen=True)
class WriteFile:
    path: Path
    text: str
    mode: int
    executable: bool = False


@dataclass(frozen=True)
class SetRegistryValue:
    key: RegistryKey
    value: str


@dataclass(frozen=True)
class RemoveFile:
    """Remove ``path`` if it is still ours: a manifest naming ``owner`` or a file we wrote."""

    path: Path
    owner: str | None = None


@dataclass(frozen=True)
class RemoveRegistryValue:
    key: RegistryKey
    expected: str


Operation = WriteFile | SetRegistryValue | RemoveFile | RemoveRegistryValue


@dataclass(frozen=True)
class Plan:
    """What to do; ``record`` None means the record itself goes (nothing is left installed)."""

    folder: Path
    record_path: Path
    operations: tuple[Operation, ...]
    record: InstallRecord | None
    previous: InstallRecord | None
    notes: tuple[str, ...] = ()
    changed: tuple[Registration, ...] = ()  # the registrations written, or taken back


def record_path(context: InstallContext, *, system: bool) -> Path:
    folder = host_folder(
        context.platform, system=system, data_dir=context.data_dir, env=context.env
    )
    return folder / RECORD_FILE


def _scope(request: InstallRequest) -> Scope:
    if request.user_data_dir is not None:
        return "user-data-dir"
    return "system" if request.system else "user"


def _chosen_browsers(request: InstallRequest, installs: Iterable[BrowserInstall]) -> list[str]:
    if request.browsers:
        return list(dict.fromkeys(request.browsers))
    if request.user_data_dir is not None:
        return ["chromium"]  # every Chromium-family browser reads DIR/NativeMessagingHosts
    found = list(dict.fromkeys(install.browser for install in installs))
    if not found:
        raise BadgekeeperError(
            ErrorCode.INVALID_ARGUMENT,
            "No supported browser was found. Name yours, for example "
            "`badgekeeper install --browser chrome` (choose from "
            f"{', '.join(BROWSERS)}).",
        )
    return found


def _targets(
    context: InstallContext,
    request: InstallRequest,
    installs: list[BrowserInstall],
    launcher: str,
) -> list[tuple[Registration, str]]:
    """Each registration to write and the launcher its manifest names."""
    scope = _scope(request)
    ids = context.builtin_ids.merged(request.extension_ids)
    targets: list[tuple[Registration, str]] = []
    for key in _chosen_browsers(request, installs):
        spec = BROWSERS[key]
        for location in manifest_locations(
            context.platform,
            key,
            system=request.system,
            user_data_dir=request.user_data_dir,
            home=context.home,
            env=context.env,
        ):
            if isinstance(location, RegistryKey):
                manifest_file = _folder(context, request) / windows_manifest_name(spec.family)
                manifest = native_text(context.platform, manifest_file)
                registration = Registration(key, scope, "native", str(location), manifest, ids)
            else:
                if location.parts[:3] == ("/", "usr", "lib64") and not Path("/usr/lib64").is_dir():
                    continue  # Firefox reads lib64 only on systems that have it
                registration = Registration(key, scope, "native", str(location), str(location), ids)
            targets.append((registration, launcher))
        if scope == "user" and context.platform == "linux":
            targets += _sandboxed_targets(context, spec, installs, ids, launcher)
    unique: dict[str, tuple[Registration, str]] = {}
    for registration, named in targets:
        unique.setdefault(registration.target, (registration, named))
    return list(unique.values())


def _sandboxed_targets(
    context: InstallContext,
    spec: Browser,
    installs: list[BrowserInstall],
    ids: ExtensionIds,
    launcher: str,
) -> list[tuple[Registration, str]]:
    targets: list[tuple[Registration, str]] = []
    variants = {install.variant for install in installs if install.browser == spec.key}
    if "flatpak" in variants and spec.flatpak is not None:
        manifest = flatpak_manifest_location(spec, spec.flatpak, context.home)
        sandboxed = flatpak_launcher_location(spec.flatpak, context.home)
        registration = Registration(
            spec.key, "user", "flatpak", str(manifest), str(manifest), ids, (str(sandboxed),)
        )
        targets.append((registration, str(sandboxed)))
    snap_location = snap_manifest_location(spec, context.home)
    if "snap" in variants and snap_location is not None:
        registration = Registration(
            spec.key, "user", "snap", str(snap_location), str(snap_location), ids
        )
        targets.append((registration, launcher))
    return targets


def _folder(context: InstallContext, request: InstallRequest) -> Path:
    return host_folder(
        context.platform, system=request.system, data_dir=context.data_dir, env=context.env
    )


def _family_of(registration: Registration) -> Family:
    return BROWSERS[registration.browser].family


def _windows_manifests(
    record: InstallRecord, folder: Path, platform: Platform, mode: int
) -> list[Operation]:
    """Rewrite (or remove) the per-family manifests that Windows registry keys name."""
    if platform != "win32":
        return []
    operations: list[Operation] = []
    for family in ("chromium", "firefox"):
        path = folder / windows_manifest_name(family)
        keyed = [r for r in record.registrations if r.is_registry and _family_of(r) == family]
        if not keyed:
            operations.append(RemoveFile(path, owner=record.launcher))
            continue
        ids = ExtensionIds((), ())
        for registration in keyed:
            ids = ids.merged(registration.ids)
        text = manifest_text(host_manifest(family, record.launcher, ids))
        operations.append(WriteFile(path, text, mode))
    return operations


def plan_install(
    context: InstallContext,
    request: InstallRequest,
    installs: list[BrowserInstall],
    previous: InstallRecord | None,
) -> Plan:
    """Everything ``install`` would write for ``request``."""
    folder = _folder(context, request)
    record_file = folder / RECORD_FILE
    launcher = folder / launcher_name(context.platform)
    launcher_text_path = native_text(context.platform, launcher)
    variables = launcher_environment(native_text(context.platform, record_file), context.env)
    if context.platform == "win32":
        launcher_text = windows_launcher(context.python, variables)
    else:
        launcher_text = unix_launcher(context.python, variables)
    operations: list[Operation] = [
        WriteFile(launcher, launcher_text, 0o755 if request.system else 0o700, True)
    ]
    targets = _targets(context, request, installs, launcher_text_path)
    for registration, named in targets:
        family = BROWSERS[registration.browser].family
        if registration.is_registry:
            operations.append(
                SetRegistryValue(RegistryKey.parse(registration.target), registration.manifest)
            )
            continue
        for extra in registration.extras:
            text = flatpak_launcher(context.python, variables)
            operations.append(WriteFile(Path(extra), text, 0o755, True))
        text = manifest_text(host_manifest(family, named, registration.ids))
        operations.append(WriteFile(Path(registration.target), text, 0o644))
    new_targets = {registration.target for registration, _ in targets}
    kept = tuple(
        registration
        for registration in (previous.registrations if previous else ())
        if registration.target not in new_targets
    )
    record = InstallRecord(
        launcher=launcher_text_path,
        python=context.python,
        home=context.env.get("BADGEKEEPER_HOME") or None,
        registrations=kept + tuple(registration for registration, _ in targets),
        created_dirs=previous.created_dirs if previous else (),
    )
    operations += _windows_manifests(record, folder, context.platform, 0o644)
    changed = tuple(registration for registration, _ in targets)
    return Plan(folder, record_file, tuple(operations), record, previous, (), changed)


def plan_uninstall(
    context: InstallContext, request: InstallRequest, previous: InstallRecord | None
) -> Plan:
    """Everything ``uninstall`` would remove for ``request``."""
    folder = _folder(context, request)
    record_file = folder / RECORD_FILE
    if previous is None:
        return Plan(folder, record_file, (), None, None, ("Nothing is installed here.",))
    named = set(request.browsers)
    if request.user_data_dir is not None:
        under = str(request.user_data_dir / "NativeMessagingHosts")
        chosen = [r for r in previous.registrations if str(Path(r.target).parent) == under]
    else:
        chosen = [r for r in previous.registrations if not named or r.browser in named]
    operations: list[Operation] = []
    for registration in chosen:
        if registration.is_registry:
            key = RegistryKey.parse(registration.target)
            operations.append(RemoveRegistryValue(key, registration.manifest))
        else:
            owner = registration.extras[0] if registration.extras else previous.launcher
            operations.append(RemoveFile(Path(registration.target), owner=owner))
            operations += [RemoveFile(Path(extra)) for extra in registration.extras]
    left = tuple(r for r in previous.registrations if r not in chosen)
    notes: tuple[str, ...] = ()
    if not chosen:
        notes = ("No registration matches; nothing to remove.",)
    remaining = previous.with_registrations(left)
    operations += _windows_manifests(remaining, folder, context.platform, 0o644)
    if not left:
        operations.append(RemoveFile(Path(previous.launcher)))
    record = remaining if left else None
    return Plan(folder, record_file, tuple(operations), record, previous, notes, tuple(chosen))
