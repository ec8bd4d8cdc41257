"""The sandbox backpack's HTML: the consent page, public badge and collection pages, the index.

Every value from a badge or a request is escaped; public pages carry Open Graph and Twitter
card tags, so a share link to them shows the badge's name, issuer and image.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from agent.sandbox.backpack.store import StoredBadge

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em}"
    "label{display:block;margin:.6em 0}input{font-size:1em}button{font-size:1em;margin-right:1em}"
    ".badge img{width:160px;height:160px}.error{color:#b00}"
)


def _document(title: str, body: str, head: str = "") -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title>{head}<style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def consent_page(
    client_name: str, scopes: Sequence[str], hidden: Mapping[str, str], error: str | None = None
) -> str:
    """The form a person fills in to let a client (Badgekeeper) into their backpack."""
    fields = "".join(
        f"<input type='hidden' name='{escape(name)}' value='{escape(value)}'>"
        for name, value in hidden.items()
    )
    scope_items = "".join(f"<li><code>{escape(scope)}</code></li>" for scope in scopes)
    problem = f"<p class='error'>{escape(error)}</p>" if error else ""
    body = (
        "<h1>Sandbox Backpack</h1>"
        f"<p><strong>{escape(client_name)}</strong> asks to use your backpack with:</p>"
        f"<ul>{scope_items}</ul>{problem}"
        "<form method='post' action='/o/authorize'>"
        f"{fields}"
        "<label>E-mail <input type='email' name='email' autocomplete='username'></label>"
        "<label>Password <input type='password' name='password' "
        "autocomplete='current-password'></label>"
        "<button type='submit' name='decision' value='approve'>Approve</button>"
        "<button type='submit' name='decision' value='deny'>Deny</button>"
        "</form>"
    )
    return _document("Approve access — Sandbox Backpack", body)


def error_page(title: str, text: str) -> str:
    return _document(title, f"<h1>{escape(title)}</h1><p>{escape(text)}</p>")


def badge_page(badge: StoredBadge, page_url: str, image_url: str | None) -> str:
    """A badge's public page, with Open Graph and Twitter card tags."""
    name = badge.name or "Open Badge"
    issuer = badge.issuer_name or "its issuer"
    description = badge.description or f"An Open Badge issued by {issuer}."
    summary = f"{description} Issued by {issuer}."
    meta = [
        ("og:type", "website"),
        ("og:title", name),
        ("og:description", summary),
        ("og:url", page_url),
        ("og:site_name", "Sandbox Backpack"),
        ("twitter:card", "summary"),
        ("twitter:title", name),
        ("twitter:description", summary),
    ]
    if image_url:
        meta += [("og:image", image_url), ("twitter:image", image_url)]
    head = "".join(
        f"<meta {'name' if key.startswith('twitter') else 'property'}='{key}' "
        f"content='{escape(value)}'>"
        for key, value in meta
    )
    head += f"<link rel='canonical' href='{escape(page_url)}'>"
    if badge.assertion_id.startswith(("https://", "http://")):
        head += (
            f"<link rel='alternate' type='application/ld+json' href='{escape(badge.assertion_id)}'>"
        )
    image = f"<img src='{escape(image_url)}' alt='{escape(name)}'>" if image_url else ""
    issued = f"<p>Issued on {escape(badge.issued_on)}</p>" if badge.issued_on else ""
    body = (
        f"<div class='badge'>{image}<h1>{escape(name)}</h1>"
        f"<p>{escape(description)}</p><p>Issued by {escape(issuer)}</p>{issued}</div>"
    )
    return _document(f"{name} — Sandbox Backpack", body, head)


def collection_page(name: str, description: str, badges: Sequence[tuple[str, str]]) -> str:
    """A public collection: its badges' names linking to their public pages."""
    items = "".join(
        f"<li><a href='{escape(url)}'>{escape(title)}</a></li>" for title, url in badges
    )
    head = (
        f"<meta property='og:title' content='{escape(name)}'>"
        f"<meta property='og:description' content='{escape(description or name)}'>"
    )
    body = f"<h1>{escape(name)}</h1><p>{escape(description)}</p><ul>{items}</ul>"
    return _document(f"{name} — Sandbox Backpack", body, head)


def index_page(base_url: str) -> str:
    body = (
        "<h1>Sandbox Backpack</h1><p>A local Open Badges backpack for trying Badgekeeper.</p>"
        "<ul>"
        f"<li>Badge Connect manifest: <code>{escape(base_url)}/.well-known/badgeconnect.json"
        "</code></li>"
        f"<li>OB 3.0 discovery: <code>{escape(base_url)}/ims/ob/v3p0/discovery</code></li>"
        f"<li>Badgr v2 API: <code>{escape(base_url)}/v2/</code></li></ul>"
    )
    return _document("Sandbox Backpack", body)
