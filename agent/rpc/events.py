"""The events the agent pushes to every connected client, as JSON-RPC notifications.

The keeper publishes the ``badge.*`` events; the settings and collections handlers publish
theirs; the backpack service publishes ``upload.*`` and ``backpack.connected``; sync
(``agent.sync``) publishes ``badge.revoked``/``expired``/``expiring`` and ``sync.*``.
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

BADGE_REVOKED = "badge.revoked"
BADGE_EXPIRED = "badge.expired"
BADGE_EXPIRING = "badge.expiring"
SYNC_PROGRESS = "sync.progress"
SYNC_DONE = "sync.done"

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
    BADGE_REVOKED,
    BADGE_EXPIRED,
    BADGE_EXPIRING,
    SYNC_PROGRESS,
    SYNC_DONE,
)
