"""Carry out an install or uninstall plan: the only module here that writes.

Rules:
- Files are written atomically (a temporary file beside, then ``os.replace``) with the plan's
  mode; folders that did not exist are created and remembered in the record, so uninstall can
  remove them again once they are empty.
- A manifest is removed only while it is still ours (it names our launcher); one that another
  install replaced is left alone and reported. A registry value is removed only while it
  still names our manifest.
- The record is written last on install (after everything it lists exists) and rewritten or
  removed last on uninstall.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

from agent.errors import BadgekeeperError, ErrorCode
from agent.install import registry
from agent.install.plan import (
    Operation,
    Plan,
    RemoveFile,
    RemoveRegistryValue,
    SetRegistryValue,
    WriteFile,
)

OUR_FILE_MARK = "Badgekeeper's native messaging host"


@dataclass
class Outcome:
    """What applying a plan did, for the command's report."""

    done: list[str] = field(default_factory=list)
    left_alone: list[str] = field(default_factory=list)


def describe(operation: Operation) -> str:
    """One line for ``--dry-run`` and for the report."""
    if isinstance(operation, WriteFile):
        return f"write {operation.path}"
    if isinstance(operation, SetRegistryValue):
        return f"set {operation.key} = {operation.value}"
    if isinstance(operation, RemoveRegistryValue):
        return f"remove {operation.key}"
    return f"remove {operation.path}"


def _failed(path: object, exc: OSError) -> BadgekeeperError:
    return BadgekeeperError(
        ErrorCode.INSTALL_FAILED,
        f"{path} could not be changed ({exc.strerror or exc}). Check its folder's permissions; "
        "for --system, run the command as root or administrator.",
    )


def _make_folders(folder: Path, created: list[str], private: bool) -> None:
    missing: list[Path] = []
    probe = folder
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for path in reversed(missing):
        path.mkdir(mode=0o700 if private else 0o755)
        created.append(str(path))


def write_atomically(path: Path, text: str, mode: int) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)  # the umask may have narrowed it
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def _still_ours(path: Path, owner: str | None) -> bool:
    """A manifest still naming ``owner``, or (owner None) a file we wrote."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if owner is None:
        return OUR_FILE_MARK in text
    try:
        manifest = json.loads(text)
    except ValueError:
        return False
    return isinstance(manifest, dict) and manifest.get("path") == owner


def _remove_empty_folders(created: list[str]) -> list[str]:
    """Remove the folders we created that are now empty (deepest first); return the rest."""
    kept: list[str] = []
    for folder in sorted(created, key=lambda item: item.count(os.sep), reverse=True):
        try:
            os.rmdir(folder)
        except FileNotFoundError:
            continue
        except OSError:
            kept.append(folder)
    return sorted(kept)


def apply_plan(plan: Plan, *, system: bool) -> Outcome:
    """Carry out ``plan``; raise ``INSTALL_FAILED`` naming the path that could not change.

    When a step fails, the files and folders this run created are removed again, so a failed
    install leaves nothing new behind (files it replaced stay replaced: they were ours).
    """
    outcome = Outcome()
    previously_created = list(plan.previous.created_dirs if plan.previous else ())
    created = list(previously_created)
    new_files: list[Path] = []
    try:
        for operation in plan.operations:
            if isinstance(operation, WriteFile) and not operation.path.exists():
                new_files.append(operation.path)
            _apply_one(operation, created, outcome, private=not system)
        if plan.record is not None:
            _make_folders(plan.folder, created, private=not system)
            created = _remove_empty_folders(created)  # left behind by removed registrations
            record = replace(plan.record, created_dirs=tuple(created))
            write_atomically(plan.record_path, record.text(), 0o644 if system else 0o600)
            outcome.done.append(f"write {plan.record_path}")
        elif plan.previous is not None:
            with contextlib.suppress(FileNotFoundError):
                plan.record_path.unlink()
                outcome.done.append(f"remove {plan.record_path}")
            _remove_empty_folders(created)
    except (OSError, BadgekeeperError) as exc:
        for path in new_files:
            with contextlib.suppress(OSError):
                path.unlink()
        _remove_empty_folders([d for d in created if d not in previously_created])
        if isinstance(exc, BadgekeeperError):
            raise
        raise _failed(exc.filename or plan.record_path, exc) from exc
    return outcome


def _apply_one(
    operation: Operation, created: list[str], outcome: Outcome, *, private: bool
) -> None:
    if isinstance(operation, WriteFile):
        _make_folders(operation.path.parent, created, private)
        write_atomically(operation.path, operation.text, operation.mode)
    elif isinstance(operation, SetRegistryValue):
        registry.set_default_value(operation.key, operation.value)
    elif isinstance(operation, RemoveRegistryValue):
        if registry.read_default_value(operation.key) != operation.expected:
            outcome.left_alone.append(f"{operation.key} (it names another manifest now)")
            return
        registry.delete_key(operation.key)
    elif isinstance(operation, RemoveFile):
        if not operation.path.exists():
            return
        if not _still_ours(operation.path, operation.owner):
            outcome.left_alone.append(f"{operation.path} (another program's file now)")
            return
        operation.path.unlink()
    outcome.done.append(describe(operation))
