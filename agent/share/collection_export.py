"""Writing a collection out: a zip like the library export, or a folder with a static page.

Rules:
- Rows are read through the ``AsyncLibrary`` (its reader threads), a page of 200 at a time, in
  the collection's order; every file read and write runs on one worker thread per export, in
  order, so clean-up after a cancel runs only once the step in flight is done.
- The zip has the library export's shape (``badges/<file>`` + ``index.json``, whose entries are
  ``list --json`` records with ``file``) and is written whole or not at all.
- The page is built in a hidden folder beside the target, then renamed into place. A target
  folder is replaced only when it is empty or an earlier Badgekeeper page (``index.html`` of
  ours and ``images/`` of plain files, nothing else); otherwise ``EXPORT_FOLDER_IN_USE``.
- An SVG badge goes into the page as a ``data:`` URI, not as a file: opened directly from a web
  host, an SVG file could run script in the host's origin; inside ``<img>`` it never can.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import contextlib
import json
import os
import secrets
import shutil
import zipfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, ParamSpec, TypeVar

from agent.errors import BadgekeeperError, ErrorCode, LibraryError
from agent.library import AsyncLibrary, BadgeRecord
from agent.library.export import FOLDER, INDEX_NAME, badge_bytes, badge_filename
from agent.library.files import PNG, SVG, BadgeFiles, fsync_dir
from agent.share.errors import ShareError
from agent.share.page import PageBadge, page_base_url, render_page

P = ParamSpec("P")
T = TypeVar("T")

PAGE = 200
IMAGES = "images"
MAX_INLINE_SVG_BYTES = 1024 * 1024  # a larger SVG is listed without its picture
MAX_INLINE_TOTAL_BYTES = 16 * 1024 * 1024  # past this, further SVGs too: the page stays light
GENERATOR_TAG = b'<meta name="generator" content="Badgekeeper">'


@dataclass
class _Worker:
    """One thread for one export's file work, used in call order."""

    executor: concurrent.futures.ThreadPoolExecutor = field(
        default_factory=lambda: concurrent.futures.ThreadPoolExecutor(1, "badgekeeper-export")
    )

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await asyncio.wrap_future(self.executor.submit(fn, *args, **kwargs))

    async def finish(self, cleanup: Callable[[], None] | None = None) -> None:
        """Queue ``cleanup`` behind the step in flight, wait for it, and let the thread end."""
        future = self.executor.submit(cleanup) if cleanup else None
        self.executor.shutdown(wait=False)  # the thread ends once its queue is empty
        if future is not None:
            await asyncio.shield(asyncio.wrap_future(future))


async def collection_records(
    library: AsyncLibrary, collection_id: int
) -> AsyncIterator[BadgeRecord]:
    """The collection's badges in its order (``COLLECTION_NOT_FOUND`` when there is none)."""
    cursor: str | None = None
    while True:
        page = await library.list_badges(
            collection=collection_id, sort="position", descending=False, limit=PAGE, cursor=cursor
        )
        for record in page.items:
            yield record
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


# --- the zip ---


async def export_collection_zip(library: AsyncLibrary, collection_id: int, path: Path) -> int:
    """Write the collection's badges and ``index.json`` to the zip at ``path``; the count."""
    await library.collection(collection_id)  # COLLECTION_NOT_FOUND before any file is made
    zip_file = _ZipBuilder(path, library.library.files)
    worker = _Worker()
    try:
        await worker.run(zip_file.open)
        async for record in collection_records(library, collection_id):
            await worker.run(zip_file.add_badge, record)
        await worker.run(zip_file.start_index)
        async for record in collection_records(library, collection_id):
            await worker.run(zip_file.add_index_entry, record.to_json())
        count = await worker.run(zip_file.finish)
    except BaseException:
        await worker.finish(zip_file.discard)
        raise
    await worker.finish()
    return count


class _ZipBuilder:
    """A zip being written to a temporary file beside ``path``; every method runs on the worker."""

    def __init__(self, path: Path, files: BadgeFiles) -> None:
        self.path = path
        self.files = files
        self.temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        self.handle: IO[bytes] | None = None
        self.archive: zipfile.ZipFile | None = None
        self.index: IO[bytes] | None = None
        self.written: dict[str, str] = {}
        self.entries = 0

    def open(self) -> None:
        if self.path.is_dir():
            raise LibraryError(
                ErrorCode.INVALID_ARGUMENT,
                f"{self.path} is a folder. Give the export a file name, such as collection.zip.",
            )
        try:
            fd = os.open(self.temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            self.handle = os.fdopen(fd, "wb")
            self.archive = zipfile.ZipFile(self.handle, "w", compression=zipfile.ZIP_DEFLATED)
        except OSError as exc:
            raise _unwritable(self.path, exc) from exc

    def add_badge(self, record: BadgeRecord) -> None:
        name = f"{FOLDER}/{badge_filename(record)}"
        try:
            data = badge_bytes(record, self.files)
        except LibraryError:
            return  # deleted meanwhile: in the index without a file, as the library export does
        # PNG is compressed already; SVG and JSON shrink a lot.
        method = zipfile.ZIP_STORED if name.endswith(".png") else zipfile.ZIP_DEFLATED
        try:
            self._archive().writestr(name, data, compress_type=method)
        except OSError as exc:
            raise _unwritable(self.path, exc) from exc
        self.written[record.id] = name

    def start_index(self) -> None:
        self.index = self._archive().open(INDEX_NAME, "w")
        self._write_index(b"[")

    def add_index_entry(self, badge: dict[str, Any]) -> None:
        entry = {**badge, "file": self.written.get(badge["id"])}
        separator = b"," if self.entries else b""
        self._write_index(separator + json.dumps(entry, ensure_ascii=False).encode("utf-8"))
        self.entries += 1

    def finish(self) -> int:
        """Close, fsync and move the zip into place; the number of badges in its index."""
        self._write_index(b"]")
        try:
            if self.index is not None:
                self.index.close()
            self._archive().close()
            if self.handle is not None:
                self.handle.flush()
                os.fsync(self.handle.fileno())
                self.handle.close()
            os.replace(self.temporary, self.path)
            fsync_dir(self.path.parent)
        except OSError as exc:
            raise _unwritable(self.path, exc) from exc
        return self.entries

    def discard(self) -> None:
        """Close what is open, ignoring errors (the file is going), and remove the file."""
        for closable in (self.index, self.archive, self.handle):
            with contextlib.suppress(OSError, ValueError):
                if closable is not None:
                    closable.close()
        with contextlib.suppress(OSError):
            os.unlink(self.temporary)

    def _archive(self) -> zipfile.ZipFile:
        if self.archive is None:
            raise LibraryError(ErrorCode.INTERNAL_ERROR, "The zip was used before it was opened.")
        return self.archive

    def _write_index(self, data: bytes) -> None:
        if self.index is None:
            raise LibraryError(ErrorCode.INTERNAL_ERROR, "The zip's index was never started.")
        try:
            self.index.write(data)
        except OSError as exc:
            raise _unwritable(self.path, exc) from exc


# --- the page ---


async def export_collection_page(
    library: AsyncLibrary, collection_id: int, folder: Path, *, base_url: str | None = None
) -> int:
    """Write ``folder/index.html`` and ``folder/images/`` for the collection; the badge count."""
    if base_url is not None:
        page_base_url(base_url)  # refuse a bad base URL before any file is made
    collection = await library.collection(collection_id)
    files = library.library.files
    worker = _Worker()
    staging = folder.parent / f".{folder.name}.{secrets.token_hex(6)}.tmp"
    try:
        await worker.run(_prepare_page_target, folder, staging)
        badges: list[PageBadge] = []
        preview: str | None = None
        inline_budget = MAX_INLINE_TOTAL_BYTES
        async for record in collection_records(library, collection_id):
            image = await worker.run(_place_image, staging, files, record, inline_budget)
            if image is not None and image.startswith("data:"):
                inline_budget -= len(image)
            badges.append(PageBadge.from_record(record, image))
            if preview is None and image is not None and image.startswith(f"{IMAGES}/"):
                preview = image  # a PNG: what Open Graph and X show as the card
        html = render_page(collection.name, badges, base_url=base_url, preview_image=preview)
        await worker.run(_publish_page, staging, folder, html)
    except BaseException:
        await worker.finish(lambda: _remove_tree(staging))
        raise
    await worker.finish()
    return len(badges)


def _prepare_page_target(folder: Path, staging: Path) -> None:
    _check_replaceable(folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging.mkdir()
        (staging / IMAGES).mkdir()
    except OSError as exc:
        raise _unwritable(folder, exc) from exc


def _check_replaceable(folder: Path) -> bool:
    """True when ``folder`` exists (empty or an earlier page); raise when it holds other things."""
    if not os.path.lexists(folder):
        return False
    in_use = ShareError(
        ErrorCode.EXPORT_FOLDER_IN_USE,
        f"{folder} holds other files (or is not a folder). Choose a new or empty folder for the "
        "collection's page; an earlier Badgekeeper page there would be replaced.",
    )
    if folder.is_symlink() or not folder.is_dir():
        raise in_use
    try:
        entries = {entry.name: entry for entry in os.scandir(folder)}
        if not entries:
            return True
        if set(entries) - {"index.html", IMAGES} or not entries["index.html"].is_file(
            follow_symlinks=False
        ):
            raise in_use
        with open(folder / "index.html", "rb") as page:
            if GENERATOR_TAG not in page.read(64 * 1024):
                raise in_use
        images = entries.get(IMAGES)
        if images is not None:
            if not images.is_dir(follow_symlinks=False):
                raise in_use
            if any(not image.is_file(follow_symlinks=False) for image in os.scandir(images.path)):
                raise in_use
    except OSError as exc:
        raise _unwritable(folder, exc) from exc
    return True


def _place_image(
    staging: Path, files: BadgeFiles, record: BadgeRecord, inline_budget: int
) -> str | None:
    """The image's ``src`` in the page: a file under ``images/`` (PNG), or a ``data:`` URI."""
    if record.sha256 is None or record.media_type not in (PNG, SVG):
        return None
    try:
        data = badge_bytes(record, files)
    except LibraryError:
        return None  # deleted meanwhile
    if record.media_type == SVG:
        if len(data) > min(MAX_INLINE_SVG_BYTES, inline_budget * 3 // 4):
            return None
        return f"data:{SVG};base64,{base64.b64encode(data).decode('ascii')}"
    name = f"{IMAGES}/{badge_filename(record)}"
    _write_file(staging / name, data)
    return name


def _publish_page(staging: Path, folder: Path, html: str) -> None:
    # A lone surrogate cannot reach here from the library; "replace" keeps that a certainty.
    _write_file(staging / "index.html", html.encode("utf-8", "replace"))
    try:
        fsync_dir(staging / IMAGES)
        fsync_dir(staging)
        if _check_replaceable(folder):  # again: the folder may have changed while we wrote
            retired = folder.parent / f".{folder.name}.{secrets.token_hex(6)}.old"
            os.rename(folder, retired)
            os.rename(staging, folder)
            _remove_tree(retired)
        else:
            os.rename(staging, folder)
        fsync_dir(folder.parent)
    except OSError as exc:
        raise _unwritable(folder, exc) from exc


def _write_file(path: Path, data: bytes) -> None:
    try:
        with open(path, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise _unwritable(path, exc) from exc


def _remove_tree(path: Path) -> None:
    with contextlib.suppress(OSError):
        shutil.rmtree(path)


def _unwritable(path: Path, exc: OSError) -> BadgekeeperError:
    return LibraryError(
        ErrorCode.LIBRARY_UNAVAILABLE,
        f"The export could not be written to {path} ({exc.strerror or exc}). Choose a folder "
        "you can write to, with free space.",
    )
