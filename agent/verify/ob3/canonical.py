"""RDF Dataset Canonicalization (RDFC-1.0, a.k.a. URDNA2015) of credentials, offline.

Rules:
- JSON-LD contexts come only from the files bundled in ``agent/verify/contexts/``; each file is
  read and parsed once per process. Any other context URL is CONTEXT_UNKNOWN — never a fetch
  (fetching would let whoever answers decide what a signature covers).
- Expanded contexts are reused across calls through one resolver cache of our own (pyld's
  ``ContextResolver`` over a bounded LRU), so a warm canonicalisation costs milliseconds.
- Safe mode: a property that no context defines would be silently dropped by JSON-LD and so left
  outside the signature; it is refused instead (as jsonld.js's ``safe`` mode does).
- pyld's URDNA2015 has no bound on the work a crafted blank-node graph can cause (the "poison
  graph" of RDFC-1.0 §4.4 is exponential); the Hash N-Degree Quads step here spends from a budget
  and stops with INVALID_PROPERTY when it runs out. Real credentials use a handful of units.
- pyld's node map checks each new value against every value already on the same property, which
  is quadratic; a credential is therefore limited to MAX_VALUES JSON values in all (a real badge
  has tens to hundreds), keeping the worst case to a few seconds.
- Pure and synchronous (CPU-bound); a lock makes the shared caches safe if a caller runs this in
  worker threads.
"""

from __future__ import annotations

import copy
import json
import math
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from pyld import ContextResolver
from pyld.canon import URDNA2015
from pyld.jsonld import JsonLdProcessor

from agent.errors import ErrorCode, VerificationError

CONTEXTS_DIR = Path(__file__).resolve().parent.parent / "contexts"

# URL → bundled file (the index is /work/shared/contexts/README.md).
BUNDLED_CONTEXTS: dict[str, str] = {
    "https://w3id.org/openbadges/v2": "openbadges-v2.jsonld",
    "https://openbadgespec.org/v2/context.json": "openbadges-v2.jsonld",
    "https://w3id.org/openbadges/v1": "openbadges-v1.jsonld",
    "https://w3id.org/openbadges/legacy-v1": "openbadges-legacy-v1.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": "ob-v3p0-context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": "ob-v3p0-context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json": "ob-v3p0-context.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": "ob-v3p0-extensions.json",
    "https://www.w3.org/2018/credentials/v1": "credentials-v1.jsonld",
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://www.w3.org/ns/credentials/undefined-terms/v2": "credentials-undefined-terms-v2.jsonld",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
    "https://w3id.org/security/data-integrity/v2": "data-integrity-v2.jsonld",
    "https://w3id.org/security/multikey/v1": "multikey-v1.jsonld",
    "https://w3id.org/security/suites/ed25519-2020/v1": "ed25519-signature-2020-v1.jsonld",
    "https://w3id.org/security/v1": "security-v1.jsonld",
    "https://w3id.org/security/v2": "security-v2.jsonld",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
    "https://w3id.org/vc/status-list/2021/v1": "vc-status-list-v1.jsonld",
    "https://www.w3.org/ns/credentials/status/v1": "vc-bitstring-status-list-v1.jsonld",
}

# JSON values (objects, arrays and scalars) a document may hold to be canonicalised at all.
MAX_VALUES = 2_000
# Units of Hash N-Degree Quads work (one per call plus one per permutation tried). A credential
# needs a few; the budget keeps the worst case to about a second.
CANONICALIZATION_BUDGET = 20_000

_parsed: dict[str, Any] = {}
_lock = threading.Lock()


class _ResolvedContextCache(OrderedDict[str, Any]):
    """The mapping pyld's ContextResolver keeps resolved contexts in, bounded (least recent out).

    Bundled contexts are a score of entries; inline contexts from documents are keyed by their
    text and would otherwise accumulate for the life of the process.
    """

    max_entries = 256

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.max_entries:
            self.popitem(last=False)


_resolved_contexts = _ResolvedContextCache()


class _UnknownContext(Exception):
    """Raised inside pyld's loader; found again in the exception chain pyld wraps it in."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


class _BudgetExhausted(Exception):
    """The blank-node graph needs more canonicalisation work than any credential does."""


def bundled_context(url: str) -> Any | None:
    """The parsed bundled context for ``url`` (shared; callers must not mutate it), or None."""
    filename = BUNDLED_CONTEXTS.get(url)
    if filename is None:
        return None
    if url not in _parsed:
        _parsed[url] = json.loads((CONTEXTS_DIR / filename).read_text(encoding="utf-8"))
    return _parsed[url]


def _load_document(url: str, options: object = None) -> dict[str, Any]:
    """pyld document loader: bundled contexts only; ``tag: static`` lets pyld cache them."""
    document = bundled_context(url)
    if document is None:
        raise _UnknownContext(url)
    return {
        "contextUrl": None,
        "documentUrl": url,
        # pyld rewrites relative context URLs in place; give it a copy of the shared parse.
        "document": copy.deepcopy(document),
        "contentType": "application/ld+json",
        "tag": "static",
    }


class _BoundedURDNA2015(URDNA2015):  # type: ignore[misc]  # pyld ships no type hints
    """pyld's URDNA2015 with a work budget on Hash N-Degree Quads."""

    def __init__(self, budget: int) -> None:
        super().__init__()
        self._budget = budget

    def create_hash_to_related(self, id_: str, issuer: Any) -> dict[str, list[str]]:
        # Called once per Hash N-Degree Quads run; the groups it returns are what that run will
        # permute, so the cost is known before the permutations start.
        related: dict[str, list[str]] = super().create_hash_to_related(id_, issuer)
        self._budget -= 1 + sum(math.factorial(min(len(nodes), 12)) for nodes in related.values())
        if self._budget < 0:
            raise _BudgetExhausted
        return related


def count_values(document: object, limit: int) -> int:
    """How many JSON values ``document`` holds, counting stops just past ``limit``; no recursion."""
    count = 0
    pending = [document]
    while pending and count <= limit:
        value = pending.pop()
        count += 1
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return count


def _find_cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def canonicalize(document: dict[str, Any]) -> str:
    """Canonical N-Quads of a JSON-LD document (RDFC-1.0), using only bundled contexts.

    This is pyld's ``jsonld.normalize(doc, {"algorithm": "URDNA2015", "format":
    "application/n-quads"})`` taken apart into its two steps (``to_rdf`` then URDNA2015) so that
    dropped properties are reported and the canonicalisation work is bounded.
    """
    if count_values(document, MAX_VALUES) > MAX_VALUES:
        raise VerificationError(
            ErrorCode.PAYLOAD_TOO_LARGE,
            f"The credential holds more than {MAX_VALUES} values; no badge needs that many, and "
            "checking its proof would take too long. It is probably not a badge.",
        )
    dropped: list[str] = []

    def on_property_dropped(term: str | None) -> None:
        dropped.append(str(term))

    options = {
        "base": "",
        "documentLoader": _load_document,
        "contextResolver": ContextResolver(_resolved_contexts, _load_document),
        "extractAllScripts": True,
        "processingMode": "json-ld-1.1",
        "produceGeneralizedRdf": False,
    }
    try:
        with _lock:
            processor = JsonLdProcessor(on_property_dropped=on_property_dropped)
            dataset = processor.to_rdf(document, options)
            if dropped:
                raise _dropped_error(dropped)
            canonical = _BoundedURDNA2015(CANONICALIZATION_BUDGET).main(
                dataset, {"format": "application/n-quads"}
            )
    except VerificationError:
        raise
    except _BudgetExhausted as exc:
        raise VerificationError(
            ErrorCode.INVALID_PROPERTY,
            "The credential's data forms a blank-node pattern that would take too long to "
            "canonicalise; no genuine badge looks like this. Do not trust it.",
        ) from exc
    except Exception as exc:  # pyld raises JsonLdError, but also TypeError/KeyError on odd input
        unknown = _find_cause(exc, _UnknownContext)
        if isinstance(unknown, _UnknownContext):
            raise VerificationError(
                ErrorCode.CONTEXT_UNKNOWN,
                f"The credential names the JSON-LD context {unknown.url[:200]!r}, which "
                "Badgekeeper does not bundle, so its proof cannot be checked offline. Tell the "
                "Badgekeeper developers which context this is.",
            ) from exc
        raise VerificationError(
            ErrorCode.INVALID_PROPERTY,
            "The credential is not valid JSON-LD, so its proof cannot be checked "
            f"({type(exc).__name__}: {str(exc)[:160]}). Ask the issuer to re-issue the badge.",
        ) from exc
    if not isinstance(canonical, str):  # pragma: no cover - pyld returns str for this format
        raise VerificationError(ErrorCode.INVALID_PROPERTY, "Canonicalisation produced no text.")
    return canonical


def _dropped_error(dropped: list[str]) -> VerificationError:
    terms = ", ".join(sorted({term[:60] for term in dropped})[:5])
    return VerificationError(
        ErrorCode.INVALID_PROPERTY,
        f"The credential uses terms its JSON-LD contexts do not define ({terms}), so its proof "
        "would not cover them. Ask the issuer to re-issue the badge with a complete context.",
    )
