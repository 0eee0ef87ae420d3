"""No ``http://``/``https://`` text in a file ddss writes: URLs in copied assets made inert.

The vendored libraries and GX's own static files keep URLs as text: licence banners,
error messages, XML namespace names (``http://www.w3.org/2000/svg``), a schema id. None
is requested by a page, but "no external URL in any file written" is meant literally, so
every text file is passed through ``neutralise`` on its way into a site:

- a URL that is a value the code uses (a JS/JSON string literal that begins with it, an
  SVG namespace in a CSS ``data:`` URI or in an ``.svg`` file) keeps its value with its
  colon escaped in that language (``\\u003a``, ``%3A``, ``&#58;``): the browser sees the same
  string, the file holds no address;
- any other URL (a credit, a comment, a sentence) is defanged: ``https://`` becomes
  ``hxxps://`` and reads as text.

The committed originals under ``static/datadocs`` stay byte-for-byte the published files
(``data_docs.sri_verified`` checks them); only the written copies change.
"""

from __future__ import annotations

import re

__all__ = ["TEXT_SUFFIXES", "URL", "neutralise"]

URL = re.compile(r"(?i)\bhttps?://")
TEXT_SUFFIXES = frozenset({".js", ".json", ".css", ".svg", ".html", ".htm", ".txt", ".md", ""})

_STRING_START = re.compile(r"""(["'`])(https?):(?=//)""", re.I)  # a JS/JSON literal that is the URL
_XMLNS = re.compile(r"""(xmlns(?::\w+)?=\\?["'])(https?):(?=//)""", re.I)
_DEFANG = re.compile(r"(?i)\b(h)tt(ps?)://")

_COLON = {".js": r"\\u003a", ".json": r"\\u003a", ".css": "%3A", ".svg": "&#58;", ".html": "&#58;", ".htm": "&#58;"}


def neutralise(text: str, suffix: str) -> str:
    """``text`` of a file named ``*<suffix>`` with no ``http(s)://`` left in it."""
    suffix = suffix.lower()
    if suffix in (".js", ".json"):
        text = _STRING_START.sub(rf"\1\2{_COLON[suffix]}", text)
    elif suffix in _COLON:  # CSS: inside a data: URI, which the browser percent-decodes
        text = _XMLNS.sub(rf"\1\2{_COLON[suffix]}", text)
    return _DEFANG.sub(lambda m: f"{m.group(1)}xx{m.group(2)}://", text)
