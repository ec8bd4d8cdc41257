"""The events the agent pushes to every connected client, as JSON-RPC notifications.

The keeper publishes the ``badge.*`` events; the settings and collections handlers publish
theirs. ``docs/PROTOCOL.md`` documents each one's params.
"""

from __future__ import annotations

BADGE_SAVED = "badge.saved"
BADGE_VERIFIED = "badge.verified"
BADGE_DELETED = "badge.deleted"
SETTINGS_CHANGED = "settings.changed"
COLLECTIONS_CHANGED = "collections.changed"

EVENTS = (BADGE_SAVED, BADGE_VERIFIED, BADGE_DELETED, SETTINGS_CHANGED, COLLECTIONS_CHANGED)
