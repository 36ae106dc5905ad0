"""Parse JSON and TOML that a user or a file supplies, refusing what would crash the code after.

The standard parsers raise RecursionError on deeply nested input (``[`` x 100,000) and ValueError
on integers of more than 4,300 digits; input nested past MAX_DEPTH would still overflow the
recursive code that walks policies and reports. Each becomes a ValueError subclass with one
sentence, which every loader turns into its own InputError (exit 2, an ephemeral Slack error).
Pure: no I/O.
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from typing import Any

# AWS's deepest documents (GAAD, a policy with conditions) are about ten levels deep.
MAX_DEPTH = 64


class UnsafeInput(ValueError):
    """The text parses to something this tool will not work on; the message says what."""


def parse_json(text: str | bytes) -> Any:
    """json.loads, with nesting and number size bounded; json.JSONDecodeError passes through."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise UnsafeInput(f"it is nested too deeply (more than {MAX_DEPTH} levels)") from None
    except ValueError as exc:  # "Exceeds the limit (4300 digits) for integer string conversion"
        if "digits" in str(exc):
            raise UnsafeInput(
                f"it holds a number of more than {sys.get_int_max_str_digits():,} digits"
            ) from None
        raise UnsafeInput(f"it holds a value that cannot be read ({_first_line(exc)})") from None
    # A document can nest no deeper than its brackets, and no deeper than its text nests (a
    # repeated key can only drop a subtree): reading the text is several times faster than
    # walking a GAAD's million values, and the walk decides when the text nests too deeply.
    if _brackets(text) > MAX_DEPTH and (
        not isinstance(text, str) or text_depth(text, MAX_DEPTH) > MAX_DEPTH
    ):
        check_depth(value)
    return value


# Bytes of JSON text that tell its structure: brackets and the quotes around strings.
_NOT_STRUCTURE = bytes(range(256)).translate(None, b'[]{}"')
_STRING = re.compile(rb'"[^"]*"')
_PARENTHESES = bytes.maketrans(b"[]{}", b"()()")


def text_depth(text: str, limit: int = MAX_DEPTH) -> int:
    """How deeply the arrays and objects of valid JSON ``text`` nest (``limit + 1`` or more:
    deeper than ``limit``), read from the text with bytes operations only.

    Escapes are dropped first (``\\\\`` then ``\\"``: left to right, as JSON reads them), then every
    byte but brackets and quotes. Two adjacent quotes enclose no bracket, so dropping them
    leaves each bracket on the same side of every string; what remains between the quotes
    left is string text. Each pass then removes the innermost pairs: one pass per level.
    """
    data = text.encode("utf-8", "surrogatepass")  # other characters never encode to ASCII
    if b"\\" in data:
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    marks = data.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    if b'"' in marks:
        marks = _STRING.sub(b"", marks)
    marks = marks.translate(_PARENTHESES)
    depth = 0
    while marks:
        if depth > limit:
            break
        shorter = marks.replace(b"()", b"")
        if len(shorter) == len(marks):  # not valid JSON after all: let the walk decide
            return limit + 1
        marks = shorter
        depth += 1
    return depth


def _brackets(text: str | bytes) -> int:
    if isinstance(text, bytes):
        return text.count(b"[") + text.count(b"{")
    return text.count("[") + text.count("{")


def parse_toml(text: str) -> dict[str, Any]:
    """tomllib.loads, with nesting and number size bounded; TOMLDecodeError passes through."""
    try:
        value = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        raise
    except RecursionError:
        raise UnsafeInput(f"it is nested too deeply (more than {MAX_DEPTH} levels)") from None
    except ValueError as exc:
        raise UnsafeInput(f"it holds a value that cannot be read ({_first_line(exc)})") from None
    check_depth(value)
    return value


def check_depth(value: Any, limit: int = MAX_DEPTH) -> None:
    """Raise UnsafeInput when lists/objects nest deeper than ``limit`` (iterative: no recursion)."""
    # Level by level: each level is the containers found in the one above (a GAAD of 10,000
    # principals is a million values, so no tuple per value and no per-value depth).
    level = [value] if isinstance(value, dict | list | tuple) else []
    depth = 1
    while level:
        if depth > limit:
            raise UnsafeInput(f"it is nested too deeply (more than {limit} levels)")
        below: list[Any] = []
        for item in level:
            children = item.values() if isinstance(item, dict) else item
            below.extend([c for c in children if isinstance(c, dict | list | tuple)])
        level = below
        depth += 1


def _first_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:120]
