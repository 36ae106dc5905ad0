"""The last step before any text leaves the tool: nothing in it can deceive a reader or fail to
encode. One place for every output (CLI formats, files, the Slack text escaper).

- Unicode bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E/U+200F, U+061C) reorder
  what a reader sees ("Trojan Source"): an IAM name holding U+202E could make a report line read
  differently from what it says. They become a visible ``<U+202E>``, or in JSON the escape
  ``\\u202e`` (same string value, no raw control character).
- Lone surrogates (``"\\ud800"`` in a JSON input) cannot be encoded as UTF-8 and would abort a
  write half-way: they become ``<U+D800>`` (JSON: ``\\ud800``, which JSON parsers read back).
- C0/C1 control characters other than tab, newline and carriage return (ESC; U+009B, the
  one-character CSI) let a name, a file name or a typed value clear the screen, retitle the
  window or hide a line on a terminal or in a CI log: they become ``<U+001B>`` (JSON:
  ``\\u001b``, the same string value). Coloured report text keeps its own colour codes
  (:func:`neutralize_keeping_color`).
Pure: no I/O.
"""

from __future__ import annotations

import re

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Every C0/C1 control but \t \n \r (as bot.render.common.without_control_chars), ESC apart.
_CONTROLS_BUT_ESC = r"\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f-\x9f"
_OTHERS = f"{BIDI_CONTROLS}\ud800-\udfff"
_UNSAFE = re.compile(f"[\x1b{_CONTROLS_BUT_ESC}{_OTHERS}]")
# The same, except an ESC that starts an SGR (colour) sequence, ESC [ digits ; ... m.
_UNSAFE_BUT_COLOR = re.compile(f"\x1b(?!\\[[0-9;]*m)|[{_CONTROLS_BUT_ESC}{_OTHERS}]")
# The unsafe characters that are ASCII: an ASCII text is searched for these alone, one substring
# search each (a regex over a 17 MB report takes five times as long), and no copy is made.
_ASCII_UNSAFE = tuple(chr(c) for c in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))


def _visible(match: re.Match[str]) -> str:
    return f"<U+{ord(match.group(0)):04X}>"


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group(0)):04x}"


def _plain_ascii(text: str) -> bool:
    """ASCII without a control character: nothing to replace, found without a regex search."""
    return text.isascii() and not any(control in text for control in _ASCII_UNSAFE)


def neutralize(text: str) -> str:
    """Text for people (text, Markdown, CSV, Slack, error lines): unsafe characters shown by
    code point, so no terminal obeys them."""
    if _plain_ascii(text):
        return text
    return _UNSAFE.sub(_visible, text) if _UNSAFE.search(text) else text


def neutralize_keeping_color(text: str) -> str:
    """:func:`neutralize` for a report the renderer coloured itself (``--color``): its SGR codes
    stay; every other control character is shown by code point (the renderers already replace
    them in AWS strings: bot.render.common.without_control_chars)."""
    return _UNSAFE_BUT_COLOR.sub(_visible, text)  # only ever to a terminal: no shortcut


def neutralize_json(text: str) -> str:
    """Serialized JSON: unsafe characters as ``\\uXXXX`` escapes (json.dumps writes C1 controls
    and DEL raw; outside strings, JSON holds no control character but \\t \\n \\r).

    An ASCII text (a report's 17 MB, nearly always) is returned without a regex search."""
    if _plain_ascii(text):
        return text
    return _UNSAFE.sub(_json_escape, text) if _UNSAFE.search(text) else text


def neutralize_dumped_json(text: str) -> str:
    """:func:`neutralize_json` for text json.dumps wrote (a report's chunks): it escapes every
    C0 control itself, so an ASCII text needs only DEL looked for, one scan instead of thirty
    (0.14 s on a 69 MB report)."""
    if text.isascii() and "\x7f" not in text:
        return text
    return _UNSAFE.sub(_json_escape, text) if _UNSAFE.search(text) else text


def looks_like_json(text: str) -> bool:
    """JSON/SARIF output starts with an object or an array; the text formats never do."""
    return text.lstrip()[:1] in ("{", "[")


def safe_for_output(text: str, *, color: bool = False) -> str:
    """:func:`neutralize_json` for JSON documents, :func:`neutralize` for everything else
    (:func:`neutralize_keeping_color` for a coloured report: ``color``)."""
    if looks_like_json(text):
        return neutralize_json(text)
    return neutralize_keeping_color(text) if color else neutralize(text)
