"""The last step before any text leaves the tool: nothing in it can deceive a reader or fail to
encode. One place for every output (CLI formats, files, the Slack text escaper).

- Unicode bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E/U+200F, U+061C) reorder
  what a reader sees ("Trojan Source"): an IAM name holding U+202E could make a report line read
  differently from what it says. They become a visible ``<U+202E>``, or in JSON the escape
  ``\\u202e`` (same string value, no raw control character).
- Lone surrogates (``"\\ud800"`` in a JSON input) cannot be encoded as UTF-8 and would abort a
  write half-way: they become ``<U+D800>`` (JSON: ``\\ud800``, which JSON parsers read back).
Pure: no I/O.
"""

from __future__ import annotations

import re

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_UNSAFE = re.compile(f"[{BIDI_CONTROLS}\ud800-\udfff]")


def _visible(match: re.Match[str]) -> str:
    return f"<U+{ord(match.group(0)):04X}>"


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group(0)):04x}"


def neutralize(text: str) -> str:
    """Text for people (text, Markdown, CSV, Slack): unsafe characters shown by code point."""
    if text.isascii():  # every unsafe character is outside ASCII; Python knows this at once
        return text
    return _UNSAFE.sub(_visible, text) if _UNSAFE.search(text) else text


def neutralize_json(text: str) -> str:
    """Serialized JSON: unsafe characters (only ever inside strings) as ``\\uXXXX`` escapes.

    An ASCII text (a report's 17 MB, nearly always) is returned without a regex search."""
    if text.isascii():
        return text
    return _UNSAFE.sub(_json_escape, text) if _UNSAFE.search(text) else text


def looks_like_json(text: str) -> bool:
    """JSON/SARIF output starts with an object or an array; the text formats never do."""
    return text.lstrip()[:1] in ("{", "[")


def safe_for_output(text: str) -> str:
    """:func:`neutralize_json` for JSON documents, :func:`neutralize` for everything else."""
    return neutralize_json(text) if looks_like_json(text) else neutralize(text)
