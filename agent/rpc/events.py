"""The events the agent pushes to every connected client, as JSON-RPC notifications.

The keeper publishes the ``badge.*`` events; the settings and collections handlers publish
theirs; the backpack service publishes ``upload.*`` and ``backpack.connected``.
``docs/PROTOCOL.md`` documents each one's params.
"""

from __future__ import annotations

BADGE_SAVED = "badge.saved"
BADGE_VERIFIED = "badge.verified"
BADGE_DELETED = "badge.deleted"
SETTINGS_CHANGED = "settings.changed"
COLLECTIONS_CHANGED = "collections.changed"

UPLOAD_QUEUED = "upload.queued"
UPLOAD_DONE = "upload.done"
UPLOAD_FAILED = "upload.failed"
BACKPACK_CONNECTED = "backpack.connected"

EVENTS = (
    BADGE_SAVED,
    BADGE_VERIFIED,
    BADGE_DELETED,
    SETTINGS_CHANGED,
    COLLECTIONS_CHANGED,
    UPLOAD_QUEUED,
    UPLOAD_DONE,
    UPLOAD_FAILED,
    BACKPACK_CONNECTED,
)
