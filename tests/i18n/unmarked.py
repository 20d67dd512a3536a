"""Find user-facing text left unmarked for translation in our templates.

The template is tokenised with Django's own lexer. Text inside ``{% translate %}``,
``{% blocktranslate %}`` and comments is marked; every other text token is user-facing once the
HTML around it is taken away. HTML templates are put back together with each template tag or
variable as a placeholder and read with ``html.parser``: text nodes and the attributes a person
reads or hears (``title``, ``alt``, ``placeholder``, ``aria-label``, ``value`` of buttons) must
hold no words. Plain-text templates (email bodies and subjects) must hold no words at all outside
the tags.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

WORD = re.compile(r"[^\W\d_]{2,}")
PLACEHOLDER = "\x00"
READ_ATTRIBUTES = {
    "title",
    "alt",
    "placeholder",
    "aria-label",
    "aria-placeholder",
    "aria-roledescription",
}
# Text a translator has nothing to do with: entity names left after parsing, units and symbols.
ALLOWED = re.compile(
    r"^(?:&\w+;|[\s\x00·•—\u2013\-|/:,.;()\[\]#%+\u00d7→←↑↓…✓✗*!?@\"'<>=0-9]|"
    r"https?|px|rem|em|vs|ok)*$",
    re.IGNORECASE,
)
_BLOCK_START = re.compile(r"^(blocktrans|blocktranslate)\b")
_BLOCK_END = re.compile(r"^(endblocktrans|endblocktranslate)\b")


def _has_words(text: str) -> bool:
    text = text.replace(PLACEHOLDER, " ")
    return bool(WORD.search(text)) and not ALLOWED.match(text)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._raw = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._raw += 1
        attributes = dict(attrs)
        for name, value in attrs:
            if value is None:
                continue
            read = name in READ_ATTRIBUTES or (
                name == "value"
                and tag == "input"
                and attributes.get("type") in ("submit", "button", "reset")
            )
            if read and _has_words(value):
                self.found.append(f'{name}="{value.replace(PLACEHOLDER, "…").strip()}"')

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._raw:
            self._raw -= 1

    def handle_data(self, data):
        if not self._raw and _has_words(data):
            self.found.append(" ".join(data.replace(PLACEHOLDER, "…").split()))


def unmarked_text(source: str, *, html: bool) -> list[str]:
    """The pieces of user-facing text in one template that are not marked for translation."""
    parts: list[str] = []
    skipping = None  # the closing tag name we wait for
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if skipping:
                if name == skipping or (_BLOCK_END.match(name) and skipping == "end-block"):
                    skipping = None
                continue
            if _BLOCK_START.match(name):
                skipping = "end-block"
            elif name == "comment":
                skipping = "endcomment"
            elif name == "verbatim":
                skipping = "endverbatim"
            parts.append(PLACEHOLDER)
        elif skipping:
            continue
        elif token.token_type == TokenType.TEXT:
            parts.append(token.contents)
        elif token.token_type == TokenType.COMMENT:
            continue
        else:
            parts.append(PLACEHOLDER)
    text = "".join(parts)
    if not html:
        return [" ".join(piece.split()) for piece in text.split(PLACEHOLDER) if _has_words(piece)]
    reader = _Reader()
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    # A tag whose name is chosen by the template (<{% if href %}a{% else %}button{% endif %} ...>).
    text = text.replace("<" + PLACEHOLDER, "<tag ")
    reader.feed(text)
    reader.close()
    return reader.found


def template_files(base: Path) -> list[Path]:
    """Every template of ours: the project's templates/ and each app's templates/ folder."""
    found = []
    for folder in [base / "templates", *base.glob("*/templates")]:
        if ".venv" in folder.parts:
            continue
        found += [p for p in folder.rglob("*") if p.suffix in (".html", ".txt") and p.is_file()]
    return sorted(found)


def report(base: Path) -> dict[str, list[str]]:
    result = {}
    for path in template_files(base):
        pieces = unmarked_text(path.read_text(encoding="utf-8"), html=path.suffix == ".html")
        if pieces:
            result[str(path.relative_to(base))] = pieces
    return result
