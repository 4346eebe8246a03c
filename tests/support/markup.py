"""HTML as a browser reads it: elements with their attributes (entities decoded), and srcset values."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]


class Document(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.events: list[str] = []  # "<picture>", "<source>", "</picture>", … in document order
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, {name: value or "" for name, value in attrs}))
        self.events.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        self.events.append(f"</{tag}>")

    def all(self, tag: str) -> list[Element]:
        return [element for element in self.elements if element.tag == tag]


def srcset(value: str) -> list[tuple[str, int]]:
    """(url, width) per candidate. Splits on commas, as naive parsers (and CDNs' log tools) do:
    a URL with a raw comma would break it, which is why the tags percent-encode commas."""
    candidates = []
    for item in value.split(","):
        url, descriptor = item.split()
        assert descriptor.endswith("w"), descriptor
        candidates.append((url, int(descriptor[:-1])))
    return candidates
