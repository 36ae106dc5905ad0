"""Policy variables (``${aws:username}``, ``${aws:PrincipalTag/team, 'none'}``, ``${*}``).

A template is parsed once and rendered per request. A value inserted from the request context is
plain text, never a wildcard, so in pattern positions (Resource, StringLike, ArnLike) its ``*``
and ``?`` are marked literal; the ``${*}``/``${?}``/``${$}`` escapes produce literal characters
the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from bot.iam.matching import LITERAL_QMARK, LITERAL_STAR

# ${name} or ${name, 'default'}; the name is a condition key (letters, digits, : / . _ - @).
_VARIABLE = re.compile(r"\$\{\s*([^}',]+?)\s*(?:,\s*'([^']*)'\s*)?\}")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}
# Any ${...} span, whatever it holds: for removing or replacing a variable's text in a pattern
# (what it renders to is unknown there).
VARIABLE_SPAN = re.compile(r"\$\{[^}]*\}")

Context = Mapping[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class _Variable:
    key: str  # lower-cased condition key
    default: str | None


@dataclass(frozen=True, slots=True)
class Template:
    """A string with policy variables, split into literal text and variable parts."""

    source: str
    parts: tuple[str | _Variable, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.parts if isinstance(p, _Variable))

    def render(self, context: Context, *, pattern: bool) -> str | None:
        """The text with every variable resolved, or ``None`` if one has no value.

        ``pattern`` marks substituted text as literal for later wildcard compilation.
        A multi-valued key cannot be a variable (AWS resolves only single values).
        """
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            values = context.get(part.key)
            if values is not None and len(values) == 1:
                text = values[0]
            elif part.default is not None and not values:
                text = part.default
            else:
                return None
            if pattern:
                text = text.replace("*", LITERAL_STAR).replace("?", LITERAL_QMARK)
            out.append(text)
        return "".join(out)


def has_variables(text: str) -> bool:
    return "${" in text and _VARIABLE.search(text) is not None


@lru_cache(maxsize=16384)
def parse_template(text: str, *, pattern: bool) -> Template:
    """Split ``text`` into literal and variable parts; escapes become literal characters."""
    parts: list[str | _Variable] = []
    position = 0
    for match in _VARIABLE.finditer(text):
        if match.start() > position:
            parts.append(text[position : match.start()])
        name, default = match.group(1), match.group(2)
        if name in _ESCAPES and default is None:
            char = _ESCAPES[name]
            if pattern and char == "*":
                char = LITERAL_STAR
            elif pattern and char == "?":
                char = LITERAL_QMARK
            parts.append(char)
        else:
            parts.append(_Variable(key=name.lower(), default=default))
        position = match.end()
    if position < len(text):
        parts.append(text[position:])
    return Template(source=text, parts=tuple(parts))


def substitute(text: str, context: Context, *, pattern: bool = False) -> str | None:
    """Resolve the variables of ``text`` against a normalised context (lower-case keys)."""
    if "${" not in text:
        return text
    return parse_template(text, pattern=pattern).render(context, pattern=pattern)
