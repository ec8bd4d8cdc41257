"""Reading an exported page back with ``html.parser``, as a crawler or browser would see it."""

from __future__ import annotations

from html.parser import HTMLParser


class PageReader(HTMLParser):
    """Collects meta tags, every start tag, text per tag, links, images and the style."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.text: dict[str, list[str]] = {}
        self.links: list[str] = []
        self.images: list[dict[str, str]] = []
        self.style = ""
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.tags.append(tag)
        self.attributes.extend((tag, name, value) for name, value in values.items())
        if tag == "meta":
            key = values.get("property") or values.get("name") or values.get("http-equiv")
            if key:
                self.meta[key] = values.get("content", "")
        elif tag == "a":
            self.links.append(values.get("href", ""))
        elif tag == "img":
            self.images.append(values)
        if tag not in ("meta", "img", "link", "br"):
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open:
            if self._open[-1] == "style":
                self.style += data
            self.text.setdefault(self._open[-1], []).append(data)


def read_page(html: str) -> PageReader:
    reader = PageReader()
    reader.feed(html)
    reader.close()
    return reader
