"""The text of a post on X, measured the way X measures it, so the composed post fits.

Rules (twitter-text 3, the counting X applies to a post):
- Text is NFC-normalised, then each code point weighs 1 in the Latin, general-punctuation
  ranges below, and 2 elsewhere (CJK, emoji, most symbols). ``©`` and ``®`` are emoji to X and
  weigh 2 too. An emoji sequence weighs 2 in X's count; counting its parts weighs more, which
  only ever leaves room to spare.
- Every URL weighs 23 (t.co). A word that merely looks like an address (``ASP.NET``) may be
  linked by X, so it weighs at least 23 here as well.
- The intent adds `` URL`` and `` #tag`` for each hashtag to the text; the whole stays within
  280. The text is cut at a word where it can be, and ends with an ellipsis when cut.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

MAX_WEIGHT = 280
URL_WEIGHT = 23
ELLIPSIS = "…"
_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
_HEAVY_IN_LIGHT = frozenset("\u00a9\u00ae")
_ADDRESS_LIKE = re.compile(r"[\w-]\.[^\W\d_]")  # searched within one word
_WORDS = re.compile(r"\S+")
_TAG_WORD = re.compile(r"[^\W_]+")
MAX_TAG_CHARS = 25


def char_weight(char: str) -> int:
    code = ord(char)
    if char in _HEAVY_IN_LIGHT:
        return 2
    return 1 if any(low <= code <= high for low, high in _LIGHT_RANGES) else 2


def text_weight(text: str) -> int:
    """The weight of free text in a post (no URL given separately)."""
    text = unicodedata.normalize("NFC", text)
    total = 0
    position = 0
    for word in _WORDS.finditer(text):
        total += sum(char_weight(char) for char in text[position : word.start()])
        weight = sum(char_weight(char) for char in word.group())
        total += max(URL_WEIGHT, weight) if _ADDRESS_LIKE.search(word.group()) else weight
        position = word.end()
    return total + sum(char_weight(char) for char in text[position:])


def post_weight(text: str, hashtags: Sequence[str], *, with_url: bool = True) -> int:
    """The weight of the post the intent composes: text, URL, then `` #tag`` for each tag."""
    weight = text_weight(text)
    if with_url:
        weight += 1 + URL_WEIGHT
    return weight + sum(1 + text_weight("#" + tag) for tag in hashtags)


def fit_text(text: str, hashtags: Sequence[str], *, with_url: bool = True) -> str:
    """``text``, cut with an ellipsis where needed so the composed post weighs ≤ 280."""
    text = unicodedata.normalize("NFC", text)
    if post_weight(text, hashtags, with_url=with_url) <= MAX_WEIGHT:
        return text
    budget = MAX_WEIGHT - post_weight("", hashtags, with_url=with_url) - text_weight(ELLIPSIS)
    cut = _longest_prefix(text, budget)
    # End at a word boundary when that loses little, so no word is chopped mid-way.
    space = cut.rfind(" ")
    if space >= len(cut) * 2 // 3:
        cut = cut[:space]
    cut = cut.rstrip(" ,;:—-")
    # Chopping a word can turn what looked like an address into plain text, never the other
    # way; still, measure the result rather than trust the arithmetic.
    while cut and post_weight(cut + ELLIPSIS, hashtags, with_url=with_url) > MAX_WEIGHT:
        cut = cut[:-1]
    return cut + ELLIPSIS


def _longest_prefix(text: str, budget: int) -> str:
    low, high = 0, len(text)
    while low < high:  # text_weight grows with the prefix, so bisect on its length
        middle = (low + high + 1) // 2
        if text_weight(text[:middle]) <= budget:
            low = middle
        else:
            high = middle - 1
    return text[:low]


def hashtags_for(name: str | None) -> list[str]:
    """``OpenBadges``, plus the badge's name as a tag when it makes a short, readable one."""
    tags = ["OpenBadges"]
    words = _TAG_WORD.findall(name or "")
    if 1 <= len(words) <= 3:
        tag = "".join(word[:1].upper() + word[1:] for word in words)
        is_new = tag.casefold() not in {existing.casefold() for existing in tags}
        if len(tag) <= MAX_TAG_CHARS and not tag.isdigit() and is_new:
            tags.append(tag)
    return tags
