"""Build the store zips: only manifest.json and the extension's runtime files (scripts, pages,
styles, icons), one zip per store.

Rules:
- Chrome Web Store (also Edge and Brave): the manifest without ``key`` (the store assigns the id
  and refuses a key).
- Firefox Add-ons: the manifest without ``key``, ``minimum_chrome_version`` and
  ``background.service_worker`` (Firefox runs ``background.scripts``).
- Nothing else goes in: no Python, no tests, no tools, no caches. The zips are reproducible
  (sorted entries, fixed timestamps), and each store's tree is also written unpacked under
  ``build/`` for ``web-ext lint``.

Usage: ``python extension/tools/package.py [--out dist] [--build build]`` from the repository root.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_SUFFIXES = frozenset({".js", ".html", ".css", ".png", ".json"})
EXCLUDED_DIRS = frozenset({"tools", "tests", "__pycache__"})
FIXED_TIME = (2024, 1, 1, 0, 0, 0)


def runtime_files(root: Path) -> list[Path]:
    """The extension's files a browser loads, relative to ``root``, sorted."""
    found = []
    for path in sorted((root / "extension").rglob("*")):
        relative = path.relative_to(root)
        if not path.is_file() or path.suffix not in RUNTIME_SUFFIXES:
            continue
        if EXCLUDED_DIRS.intersection(relative.parts[1:-1]):
            continue
        found.append(relative)
    return found


def store_manifest(manifest: dict[str, Any], store: str) -> dict[str, Any]:
    """The manifest as ``store`` ('chrome' or 'firefox') takes it."""
    shaped = {key: value for key, value in manifest.items() if key != "key"}
    if store == "firefox":
        shaped.pop("minimum_chrome_version", None)
        shaped["background"] = {
            key: value for key, value in manifest["background"].items() if key != "service_worker"
        }
    return shaped


def write_zip(target: Path, manifest: dict[str, Any], files: list[Path], root: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        entries = [("manifest.json", (json.dumps(manifest, indent=2) + "\n").encode())]
        entries += [(path.as_posix(), (root / path).read_bytes()) for path in files]
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)


def write_tree(target: Path, manifest: dict[str, Any], files: list[Path], root: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    for path in files:
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / path, target / path)


def build(root: Path, out: Path, build_dir: Path) -> list[Path]:
    """Write every store's zip into ``out`` and its tree into ``build_dir``; return the zips."""
    manifest = json.loads((root / "manifest.json").read_text())
    files = runtime_files(root)
    missing = [name for name in _referenced(manifest) if not (root / name).is_file()]
    if missing:
        raise SystemExit(f"manifest.json names files that do not exist: {', '.join(missing)}")
    zips = []
    for store in ("chrome", "firefox"):
        shaped = store_manifest(manifest, store)
        target = out / f"badgekeeper-{store}-{manifest['version']}.zip"
        write_zip(target, shaped, files, root)
        write_tree(build_dir / store, shaped, files, root)
        zips.append(target)
    return zips


def _referenced(manifest: dict[str, Any]) -> list[str]:
    """Files the manifest names directly (icons, pages, scripts, styles)."""
    names = list(manifest.get("icons", {}).values())
    names += list(manifest.get("action", {}).get("default_icon", {}).values())
    names.append(manifest["action"]["default_popup"])
    names.append(manifest["options_ui"]["page"])
    names += manifest["background"].get("scripts", [])
    for script in manifest.get("content_scripts", []):
        names += script.get("js", []) + script.get("css", [])
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    args = parser.parse_args(argv)
    for target in build(ROOT, args.out, args.build):
        print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
