"""Backpacks: where earners show their badges, and how Badgekeeper uploads to them.

Data flow::

    service.BackpackService ── config (library settings) ── tokens (0600 file)
        │  add / connect (connect: discovery → loopback → registration → PKCE → tokens)
        │  upload → queue.UploadQueue (library upload rows, backoff) → kinds.<client>
        ▼
    kinds.badge_connect / kinds.ob3_api / kinds.badgr ── authorized.AuthorizedApi ── http

``payloads`` decides what each kind is sent, ``answers`` reads what comes back, ``errors`` says
which failures are worth retrying.

Import from the modules themselves (``agent.backpack.service`` and so on): this package imports
nothing, so the CLI can read ``agent.backpack.config.KINDS`` without loading aiohttp and OAuth.
"""
