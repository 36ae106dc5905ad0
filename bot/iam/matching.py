"""Wildcard matching for actions, ARNs and StringLike values, compiled once and cached.

The evaluator runs these millions of times per audit, so every pattern is turned into one
compiled test the first time it is seen and reused from an LRU cache afterwards (sized for the
largest accounts, see _CACHE_SIZE: Python's own regex cache holds 512 patterns and thrashes).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

# A literal "*" or "?" that must not act as a wildcard: produced by the ${*} / ${?} escapes and
# by policy-variable values, which AWS inserts as plain text. Control characters cannot occur in
# IAM policy strings, so they are safe private markers.
LITERAL_STAR = "\x00"
LITERAL_QMARK = "\x01"
_WILDCARDS = frozenset("*?")

Matcher = Callable[[str], bool]
# Entries per cache: enough for every distinct pattern list of a 50,000-principal account with
# its own inline policies (a cache that evicts recompiles regexes, the thrash issue 12 found in
# the regex module's own 512-entry cache); bounded so a long-running bot does not grow forever.
_CACHE_SIZE = 1 << 18


def _always(_value: str) -> bool:
    return True


def _never(_value: str) -> bool:
    return False


def has_wildcard(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def glob_regex(pattern: str, *, star: str = ".*", qmark: str = ".") -> str:
    """Regex source for a glob: ``*`` and ``?`` are wildcards, everything else literal.

    Each stretch between stars is fixed-length, so its leftmost place is the one to take: the
    middle ones are atomic groups, ``(?>.*?PART)``, which commit to it (as fnmatch does). One
    ``.*`` per star backtracks through every way to share the text among them: a policy's
    ``*a*a*a*a*a*a*a*a*a*a*a*ab`` against a 64-character name, or 3,000 stars in a row, kept
    an audit waiting for ever. ``star`` must be a class followed by ``*``."""
    segments: list[list[str]] = [[]]  # regex pieces between stars; consecutive stars are one
    literal: list[str] = []

    def close_literal() -> None:
        if literal:
            segments[-1].append(re.escape("".join(literal)))
            literal.clear()

    previous_star = False
    for char in pattern:
        if char == "*":
            close_literal()
            if not previous_star:
                segments.append([])
            previous_star = True
            continue
        previous_star = False
        if char == "?":
            close_literal()
            segments[-1].append(qmark)
        elif char == LITERAL_STAR:
            literal.append("*")
        elif char == LITERAL_QMARK:
            literal.append("?")
        else:
            literal.append(char)
    close_literal()
    if len(segments) == 1:
        return "".join(segments[0])
    first, *middle, last = ("".join(parts) for parts in segments)
    lazy = f"{star}?"
    return "".join([first, *(f"(?>{lazy}{part})" for part in middle), star, last])


def unmark(text: str) -> str:
    """Turn literal-wildcard markers back into the characters they stand for."""
    if LITERAL_STAR in text or LITERAL_QMARK in text:
        return text.replace(LITERAL_STAR, "*").replace(LITERAL_QMARK, "?")
    return text


def star_glob_matcher(pattern: str) -> Callable[[str], bool] | None:
    """A case-sensitive whole-string test for a glob whose only wildcard is `*` (``s3:*object*``),
    by its literal runs in order, or None for another shape. For patterns each tried a few
    thousand times at most (an account's distinct patterns against the catalogue): compiling
    a regex for each cost more than the tests."""
    if "*" not in pattern or "?" in pattern or LITERAL_STAR in pattern or LITERAL_QMARK in pattern:
        return None
    first, *middle, last = pattern.split("*")
    least = len(first) + len(last)

    def test(name: str) -> bool:
        if len(name) < least or not name.startswith(first) or not name.endswith(last):
            return False
        position, end = len(first), len(name) - len(last)
        for part in middle:
            position = name.find(part, position, end)
            if position < 0:
                return False
            position += len(part)
        return True

    return test


# --- plain string globs (StringLike) ---------------------------------------------------------


@lru_cache(maxsize=_CACHE_SIZE)
def string_matcher(pattern: str, *, ignore_case: bool = False) -> Matcher:
    """Case-sensitive (unless asked) glob over a whole string; ``*`` spans any character."""
    if pattern == "*":
        return _always
    if not has_wildcard(pattern):
        literal = unmark(pattern)
        if ignore_case:
            folded = literal.casefold()
            return lambda value: value.casefold() == folded
        return literal.__eq__
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile(glob_regex(pattern), flags).fullmatch  # type: ignore[return-value]


def string_like(value: str, pattern: str) -> bool:
    return bool(string_matcher(pattern)(value))


# --- actions ---------------------------------------------------------------------------------


@lru_cache(maxsize=_CACHE_SIZE)
def action_matcher(patterns: tuple[str, ...]) -> Matcher:
    """One test for a statement's Action list; takes the action already lower-cased.

    Actions are case-insensitive in AWS, so patterns are lower-cased once here and callers
    lower-case the requested action once per request instead of per comparison. Patterns are
    grouped by service prefix, so a statement listing hundreds of actions costs one dict lookup
    and at most one small regex per test, not a scan of every pattern.
    """
    exact: set[str] = set()
    by_service: dict[str, list[str]] = {}
    generic: list[str] = []  # a wildcard in the service prefix itself
    for pattern in patterns:
        lowered = lower_shared(pattern)
        if lowered == "*":
            return _always
        if not has_wildcard(lowered):
            exact.add(lowered)
            continue
        service, sep, name = lowered.partition(":")
        if sep and not has_wildcard(service):
            by_service.setdefault(service, []).append(glob_regex(name))
        else:
            generic.append(glob_regex(lowered))
    if not by_service and not generic:
        if not exact:
            return _never
        if len(exact) == 1:
            return next(iter(exact)).__eq__
        return frozenset(exact).__contains__
    members = frozenset(exact)
    service_regex = {
        service: re.compile("|".join(f"(?:{g})" for g in globs), re.DOTALL).fullmatch
        for service, globs in by_service.items()
    }
    generic_regex = (
        re.compile("|".join(f"(?:{g})" for g in generic), re.DOTALL).fullmatch if generic else None
    )

    def test(action: str) -> bool:
        if action in members:
            return True
        service, sep, name = action.partition(":")
        # A pattern grouped by service has a colon: a name without one (no real action, but a
        # string a user can type) matches only through the generic patterns.
        regex = service_regex.get(service) if sep else None
        if regex is not None and regex(name) is not None:
            return True
        return generic_regex is not None and generic_regex(action) is not None

    return test


def action_matches(action: str, pattern: str) -> bool:
    """Whether one action pattern (``s3:Get*``, ``*``) matches an action, ignoring case."""
    return action_matcher((pattern,))(action.lower())


# --- ARNs ------------------------------------------------------------------------------------

_ARN_SEGMENTS = 6


def arn_regex(pattern: str) -> str:
    """Regex source for one ARN pattern, matched segment by segment.

    AWS checks each of the six colon-separated ARN segments on its own: a wildcard in the
    partition/service/region/account segments cannot cross a colon, while the last (resource)
    segment may itself contain colons and ``*`` there spans them. A pattern that is not a
    six-segment ARN is checked the same way, so ``arn:aws:*`` cannot stand for the four segments
    it lacks and matches no full ARN. A pattern that is no ARN at all (``*``, a bare name) is a
    plain glob, which is how such values behave for resources that are not ARNs.
    """
    segments = pattern.split(":", _ARN_SEGMENTS - 1)
    if segments[0] != "arn":
        return glob_regex(pattern)
    if len(segments) < _ARN_SEGMENTS:
        return ":".join(glob_regex(s, star="[^:]*", qmark="[^:]") for s in segments)
    head = [glob_regex(s, star="[^:]*", qmark="[^:]") for s in segments[:-1]]
    return ":".join([*head, glob_regex(segments[-1])])


@lru_cache(maxsize=_CACHE_SIZE)
def arn_matcher(patterns: tuple[str, ...]) -> Matcher:
    """One case-sensitive test for a list of ARN patterns (a statement's Resource list)."""
    exact: set[str] = set()
    regexes: list[str] = []
    for pattern in patterns:
        if pattern == "*":
            return _always
        if has_wildcard(pattern):
            regexes.append(arn_regex(pattern))
        else:
            exact.add(unmark(pattern))
    if not regexes:
        if not exact:
            return _never
        if len(exact) == 1:
            return next(iter(exact)).__eq__
        return frozenset(exact).__contains__
    members = frozenset(exact)

    def compiled() -> Matcher:
        regex = re.compile("|".join(f"(?:{r})" for r in regexes), re.DOTALL).fullmatch
        if not members:
            return lambda arn: regex(arn) is not None
        return lambda arn: arn in members or regex(arn) is not None

    globs = [_star_arn_glob(p) for p in patterns if has_wildcard(p)]
    if any(g is None for g in globs):
        return compiled()
    return _compiled_when_busy(members, globs, compiled)  # type: ignore[arg-type]


# Most ARN pattern lists of an audit are asked about a handful of ARNs (1,231 of 1,298 on a
# 10,000-principal account at most 16 times): compiling a regex for each cost more than all
# their matching. A list of `*`-only patterns is matched part by part until it has answered
# this many times, then compiled like any other.
_COMPILE_AFTER = 64
_Glob = Callable[[str], bool]


def _compiled_when_busy(
    members: frozenset[str], globs: list[_Glob], compile_now: Callable[[], Matcher]
) -> Matcher:
    calls = 0
    regex: Matcher | None = None

    def test(arn: str) -> bool:
        nonlocal calls, regex
        if regex is not None:
            return regex(arn)
        calls += 1
        if calls > _COMPILE_AFTER:
            regex = compile_now()
            return regex(arn)
        return arn in members or any(glob(arn) for glob in globs)

    return test


def _star_arn_glob(pattern: str) -> _Glob | None:
    """:func:`arn_regex`'s match without a regex, for a pattern whose only wildcard is `*`
    (None otherwise: `?` and literal-wildcard markers keep the regex). Segment by segment as
    there: the first five segments cannot hold a colon, the last one may."""
    if "*" not in pattern or "?" in pattern or LITERAL_STAR in pattern or LITERAL_QMARK in pattern:
        return None
    segments = pattern.split(":", _ARN_SEGMENTS - 1)
    if segments[0] != "arn":
        whole = tuple(pattern.split("*"))
        return lambda arn: star_glob_matches(whole, arn)
    parts = [tuple(segment.split("*")) for segment in segments]
    count = len(parts)
    if count < _ARN_SEGMENTS:
        # No segment glob can match a colon: the ARN needs exactly as many segments.
        return lambda arn: (
            len(got := arn.split(":")) == count
            and all(star_glob_matches(p, g) for p, g in zip(parts, got, strict=True))
        )
    return lambda arn: (
        len(got := arn.split(":", _ARN_SEGMENTS - 1)) == _ARN_SEGMENTS
        and all(star_glob_matches(p, g) for p, g in zip(parts, got, strict=True))
    )


def longest_literal(pattern: str) -> str:
    """The longest run of plain text in a glob pattern: every string the pattern matches
    contains it, so ``in`` (C speed) can turn most candidates away before the matcher runs.
    Empty (no filter) when the pattern holds an escaped literal wildcard."""
    if LITERAL_STAR in pattern or LITERAL_QMARK in pattern:
        return ""
    return max(pattern.replace("?", "*").split("*"), key=len)


def literal_parts(pattern: str) -> tuple[str, ...]:
    """The runs of plain text in a glob pattern, rarest-looking (longest, then later) first:
    every string the pattern matches contains each. Empty when the pattern holds an escaped
    literal wildcard (no filter then)."""
    if LITERAL_STAR in pattern or LITERAL_QMARK in pattern:
        return ()
    runs = [r for r in pattern.replace("?", "*").split("*") if r]
    # A run after the first wildcard tells targets apart; the leading one (an account's ARN
    # prefix) rarely does.
    return tuple(sorted(runs, key=lambda r: (r is runs[0] and len(runs) > 1, -len(r))))


@lru_cache(maxsize=65536)
def lower_shared(text: str) -> str:
    """``text.lower()``, one string per distinct text: the catalogue's 22,000 action names
    recur in thousands of policies, and a lower-case copy per statement added up to tens of MB."""
    return text.lower()


def literal_prefix(pattern: str) -> str:
    """The plain text a glob pattern starts with: every string the pattern matches starts
    with it. Empty (no filter) when the pattern holds an escaped literal wildcard."""
    if LITERAL_STAR in pattern or LITERAL_QMARK in pattern:
        return ""
    return pattern.split("*", 1)[0].split("?", 1)[0]


def star_glob_matches(parts: tuple[str, ...], text: str) -> bool:
    """Whether ``text`` matches the glob whose literal parts, between `*`s, are ``parts``
    (``"a*b".split("*")``): the first at the start, the last at the end, the others in order,
    each found as early as it can be (which is exact when `*` is the only wildcard)."""
    if len(parts) == 1:
        return text == parts[0]
    first, last = parts[0], parts[-1]
    end = len(text) - len(last)
    if end < len(first) or not text.startswith(first) or not text.endswith(last):
        return False
    position = len(first)
    for part in parts[1:-1]:
        found = text.find(part, position, end)
        if found < 0:
            return False
        position = found + len(part)
    return True


def arn_matches(arn: str, pattern: str) -> bool:
    """Whether one ARN pattern matches an ARN (case-sensitive, segment-aware)."""
    return arn_matcher((pattern,))(arn)


def any_arn_matches(arn: str, patterns: Iterable[str]) -> bool:
    return arn_matcher(tuple(patterns))(arn)
