"""The static page of a collection: one ``index.html`` an earner can host anywhere.

Rules:
- Pure: badges in, HTML text out. Every value from a badge goes through ``html.escape`` (text
  and attributes alike); links are only ever http(s) addresses checked by ``is_public_url``.
- No script at all, and a Content-Security-Policy that forbids any: only the page's own style
  (by hash) and images from the page's own folder or ``data:`` may load.
- Open Graph and Twitter card tags describe the collection; addresses in them are absolute
  when a base URL is given (crawlers need that), relative otherwise.
- Readable on a phone: a viewport tag and a grid that falls to one column.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from urllib.parse import urljoin, urlsplit

from agent.errors import ErrorCode
from agent.library.models import BadgeRecord
from agent.share.errors import ShareError
from agent.share.facts import ShareFacts, is_public_url, public_url
from agent.share.links import calendar_date

MAX_DESCRIPTION_CHARS = 600
MAX_SUMMARY_CHARS = 200
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_STATUS_LABELS = {
    "valid": "✓ Verified",
    "expired": "Expired",
    "revoked": "Revoked by the issuer",
    "invalid": "Did not verify",
    "error": "Could not be checked",
}
STYLE = """
:root{color-scheme:light dark;--fg:#1d2330;--muted:#5b6475;--card:#fff;--bg:#f3f5f9;
--line:#dde2ea;--ok:#17733a;--bad:#a32020;--warn:#8a5a00}
@media (prefers-color-scheme:dark){:root{--fg:#e8ebf1;--muted:#a6aec0;--card:#1c2230;
--bg:#121621;--line:#2c3446;--ok:#5fd08a;--bad:#ff8a8a;--warn:#f0c060}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--fg);background:var(--bg)}
main{max-width:72rem;margin:0 auto;padding:1.5rem 1rem 3rem}
h1{font-size:1.75rem;line-height:1.2;margin:0 0 .25rem;overflow-wrap:anywhere}
.lede{color:var(--muted);margin:0 0 1.5rem}
.badges{list-style:none;margin:0;padding:0;display:grid;gap:1rem;
grid-template-columns:repeat(auto-fill,minmax(16rem,1fr))}
.badge{background:var(--card);border:1px solid var(--line);border-radius:.75rem;
padding:1rem;display:flex;flex-direction:column;gap:.35rem;overflow-wrap:anywhere}
.badge img{width:8rem;height:8rem;object-fit:contain;align-self:center;margin-bottom:.5rem}
.badge h2{font-size:1.15rem;margin:0}
.badge p,.badge dl{margin:0}
.issuer,.about{color:var(--muted)}
dl{display:grid;grid-template-columns:auto 1fr;gap:0 .75rem;font-size:.95rem}
dt{color:var(--muted)}
dd{margin:0}
.status{font-weight:600}
.status-valid{color:var(--ok)}
.status-expired,.status-error{color:var(--warn)}
.status-revoked,.status-invalid{color:var(--bad)}
a{color:inherit}
footer{color:var(--muted);font-size:.85rem;text-align:center;padding:0 1rem 2rem}
"""
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode("utf-8")).digest()).decode("ascii")
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; img-src 'self' data:; style-src 'sha256-{_STYLE_HASH}'; "
    "base-uri 'none'; form-action 'none'"
)


@dataclass(frozen=True)
class PageBadge:
    """One badge as the page shows it; ``image`` is a path inside the page's folder or a
    ``data:`` URI, ``url`` its public address (or None)."""

    name: str | None
    issuer_name: str | None
    description: str | None
    issued_on: str | None
    expires: str | None
    status: str
    checked_at: str | None
    url: str | None
    image: str | None

    @classmethod
    def from_record(cls, record: BadgeRecord, image: str | None) -> PageBadge:
        facts = ShareFacts.from_record(record)
        try:
            url: str | None = public_url(facts)
        except ShareError:
            url = None
        return cls(
            name=record.name,
            issuer_name=record.issuer_name,
            description=record.description,
            issued_on=facts.issued_on,
            expires=facts.expires,
            status=record.status,
            checked_at=record.checked_at,
            url=url,
            image=image,
        )


def page_base_url(base_url: str) -> str:
    """The folder address the page lives at: ``https://me.example/badges`` → ``…/badges/``."""
    if not is_public_url(base_url):
        raise ShareError(
            ErrorCode.INVALID_ARGUMENT,
            f"The base URL {base_url[:200]!r} is not an http(s) address. Give the address the "
            "page's folder will have, such as https://example.org/badges/.",
        )
    path = urlsplit(base_url).path
    if path.endswith("/") or path.lower().endswith((".html", ".htm")):
        return base_url
    return base_url + "/"


def render_page(
    title: str,
    badges: Sequence[PageBadge],
    *,
    base_url: str | None = None,
    preview_image: str | None = None,
) -> str:
    """The whole ``index.html``. ``preview_image`` is a PNG path inside the folder, for cards."""
    base = page_base_url(base_url) if base_url else None
    summary = _summary(badges)
    meta = [
        ("name", "description", summary),
        ("property", "og:type", "website"),
        ("property", "og:title", title),
        ("property", "og:description", summary),
    ]
    if base:
        meta.append(("property", "og:url", base))
    if preview_image:
        image = urljoin(base, preview_image) if base else preview_image
        meta += [
            ("property", "og:image", image),
            ("property", "og:image:alt", f"Badges of {title}"),
            ("name", "twitter:image", image),
        ]
    meta += [
        ("name", "twitter:card", "summary_large_image"),
        ("name", "twitter:title", title),
        ("name", "twitter:description", summary),
    ]
    head = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_attr(CONTENT_SECURITY_POLICY)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="strict-origin-when-cross-origin">',
        '<meta name="generator" content="Badgekeeper">',
        f"<title>{_text(title)}</title>",
        *(f'<meta {kind}="{_attr(key)}" content="{_attr(value)}">' for kind, key, value in meta),
        f"<style>{STYLE}</style>",
        "</head>",
    ]
    body = [
        "<body>",
        "<main>",
        f"<h1>{_text(title)}</h1>",
        f'<p class="lede">{_text(_count(len(badges)))}</p>',
        '<ul class="badges">' if badges else "<p>This collection has no badges yet.</p>",
        *(_badge_item(badge) for badge in badges),
        "</ul>" if badges else "",
        "</main>",
        "<footer>Open Badges kept with Badgekeeper. Each link leads to the badge's public "
        "record, where anyone can check it.</footer>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(line for line in (*head, *body) if line)


def _badge_item(badge: PageBadge) -> str:
    name = badge.name or "Untitled badge"
    parts = ['<li class="badge">']
    if badge.image:
        parts.append(
            f'<img src="{_attr(badge.image)}" alt="{_attr(f"Badge image: {name}")}" '
            'width="128" height="128" loading="lazy" decoding="async">'
        )
    parts.append(f"<h2>{_text(name)}</h2>")
    if badge.issuer_name:
        parts.append(f'<p class="issuer">Issued by {_text(badge.issuer_name)}</p>')
    if badge.description:
        about = badge.description[:MAX_DESCRIPTION_CHARS]
        parts.append(f'<p class="about">{_text(about)}</p>')
    dates = [("Issued", badge.issued_on), ("Expires", badge.expires)]
    rows = [f"<dt>{label}</dt><dd>{_date_html(value)}</dd>" for label, value in dates if value]
    if rows:
        parts.append(f"<dl>{''.join(rows)}</dl>")
    label = _STATUS_LABELS.get(badge.status, badge.status)
    checked = calendar_date(badge.checked_at)
    when = f" (checked {_human_date(checked.year, checked.month, checked.day)})" if checked else ""
    status_class = _attr(f"status status-{badge.status}")
    parts.append(f'<p class="{status_class}">{_text(label + when)}</p>')
    if badge.url and is_public_url(badge.url):
        parts.append(
            f'<p><a href="{_attr(badge.url)}" rel="noopener noreferrer">'
            "View and verify this badge</a></p>"
        )
    parts.append("</li>")
    return "".join(parts)


def _date_html(value: str) -> str:
    day = calendar_date(value)
    if day is None:
        return _text(value[:40])
    return f'<time datetime="{day.isoformat()}">{_human_date(day.year, day.month, day.day)}</time>'


def _human_date(year: int, month: int, day: int) -> str:
    return f"{day} {_MONTHS[month - 1]} {year}"


def _count(number: int) -> str:
    return "1 Open Badge" if number == 1 else f"{number} Open Badges"


def _summary(badges: Sequence[PageBadge]) -> str:
    names = [" ".join(badge.name.split()) for badge in badges if badge.name]
    text = _count(len(badges))
    if names:
        text += ": " + ", ".join(names)
    if len(text) > MAX_SUMMARY_CHARS:
        text = text[: MAX_SUMMARY_CHARS - 1].rstrip(" ,") + "…"
    return text + ("" if text.endswith("…") else ".")


def _text(value: str) -> str:
    return escape(value, quote=True)  # quotes too: the same text may later move into an attribute


def _attr(value: str) -> str:
    return escape(value, quote=True)
