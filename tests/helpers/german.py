"""What "German format" means for the numbers a person reads, as checks the page tests share:
a decimal point ("4.2", "50.89770") or five or more digits without a thousands separator
("10000", an AGS) is English or raw; dates (31.12.2019) and German thousands ("10.000") are not."""

from __future__ import annotations

import re

# dates and dotted versions are no numbers in the sense of the check
_DATES_AND_VERSIONS = re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{2,4}\b|\b\d+(?:\.\d+){2,}\b")
# a point followed by anything but exactly three digits (German thousands) is a decimal point
_DECIMAL_POINT = re.compile(r"(?<![\d.,])\d+\.(?!\d{3}(?!\d))\d+")
_UNGROUPED = re.compile(r"(?<![\d.,])\d{5,}(?!\d)")
# the words Python prints for booleans
_RAW_BOOLEANS = re.compile(r"\b(?:True|False|None|true|false|null)\b")

# the visible text of a page as a person reads it: text nodes of visible elements, the values of
# fields the page fills itself (read-only), and the titles, labels and placeholders of controls
VISIBLE_TEXT_JS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || ["SCRIPT", "STYLE"].includes(parent.tagName)) continue;
    const text = node.textContent.trim();
    if (text && parent.checkVisibility()) out.push(text);
  }
  for (const node of document.querySelectorAll("input, [title], [aria-label], [placeholder]")) {
    if (!node.checkVisibility()) continue;
    if (node.tagName === "INPUT" && node.readOnly && node.value) out.push(node.value);
    for (const name of ["title", "aria-label", "placeholder"]) {
      if (node.getAttribute(name)) out.push(node.getAttribute(name));
    }
  }
  return out;
}"""


def english_numbers(texts: list[str] | str, ungrouped: bool = True) -> list[str]:
    """The texts (each with the offending part) that show a number in English or raw format;
    ``ungrouped=False`` where long identifiers (AGS) belong on the page, as on the GIS pages."""
    bad = []
    for text in [texts] if isinstance(texts, str) else texts:
        cleaned = _DATES_AND_VERSIONS.sub(" ", text)
        found = _DECIMAL_POINT.findall(cleaned) + (_UNGROUPED.findall(cleaned) if ungrouped else [])
        bad += [f"{part!r} in {text!r}" for part in found]
    return bad


def raw_booleans(text: str) -> list[str]:
    return _RAW_BOOLEANS.findall(text)


def visible_english_numbers(page) -> list[str]:
    return english_numbers(page.evaluate(VISIBLE_TEXT_JS))


_COORDINATES = re.compile(r"(\d+,\d+)° ([NS]), (\d+,\d+)° ([OW])")


def coordinates(text: str) -> tuple[float, float]:
    """(lat, lon) from a place as the pages show it: "50,89528° N, 12,35404° O"."""
    found = _COORDINATES.search(text)
    assert found, f"no German coordinates in {text!r}"
    lat, north, lon, east = found.groups()
    return (float(lat.replace(",", ".")) * (1 if north == "N" else -1),
            float(lon.replace(",", ".")) * (1 if east == "O" else -1))
