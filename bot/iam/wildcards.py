"""Comparing two ARN patterns: do they share a resource, and does one cover the other?

A request about ``*`` or ``arn:aws:s3:::example-bucket/*`` asks about a set of resources, not
one. An Allow statement then matters when its Resource shares at least one resource with the
request (the two patterns intersect); a Deny only settles the answer when it covers every
resource the request names (the request pattern is contained in the Deny's pattern). ARNs are
compared segment by segment, as AWS matches them: a wildcard in the partition, service, region
or account segment stays inside its segment, the resource segment may span colons.

``*`` matches any run of characters, ``?`` exactly one. The matching is case-sensitive, like
ARN matching in policies. fnmatch and re can test a pattern against a string but not a pattern
against a pattern, hence the small automata below.
"""

from __future__ import annotations

from functools import lru_cache

_ARN_SEGMENTS = 6
_WILD = frozenset("*?")


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def _segments(pattern: str) -> list[str] | None:
    parts = pattern.split(":", _ARN_SEGMENTS - 1)
    if len(parts) == _ARN_SEGMENTS and parts[0] == "arn":
        return parts
    return None


def _partial_arn(pattern: str, segments: list[str] | None) -> bool:
    return segments is None and pattern.startswith("arn:")


@lru_cache(maxsize=65536)
def globs_intersect(first: str, second: str) -> bool:
    """Whether some string matches both globs (a walk of the product of their automata)."""
    start = (0, 0)
    seen = {start}
    stack = [start]
    end = (len(first), len(second))
    while stack:
        i, j = stack.pop()
        if (i, j) == end:
            return True
        moves: list[tuple[int, int]] = []
        a = first[i] if i < len(first) else None
        b = second[j] if j < len(second) else None
        if a == "*":
            moves.append((i + 1, j))  # the star matches nothing more
        if b == "*":
            moves.append((i, j + 1))
        if a is not None and b is not None and (a in _WILD or b in _WILD or a == b):
            # One character both can read: a star reads it and stays, anything else moves on.
            moves.append((i if a == "*" else i + 1, j if b == "*" else j + 1))
        for move in moves:
            if move not in seen:
                seen.add(move)
                stack.append(move)
    return False


@lru_cache(maxsize=65536)
def glob_contains(outer: str, inner: str) -> bool:
    """Whether every string ``inner`` matches also matches ``outer``.

    Sound but not complete: ``inner``'s ``*`` can only be absorbed by a ``*`` of ``outer`` and
    its ``?`` by a ``?`` or ``*``. It may answer False for exotic equal patterns (``?*`` and
    ``*?``); the caller then treats a Deny as not covering, the cautious reading for an audit.
    """
    memo: dict[tuple[int, int], bool] = {}

    def covers(i: int, j: int) -> bool:  # inner[i:] within outer[j:]
        key = (i, j)
        if key in memo:
            return memo[key]
        if j == len(outer):
            result = i == len(inner)
        elif outer[j] == "*":
            result = covers(i, j + 1) or (i < len(inner) and covers(i + 1, j))
        elif i == len(inner):
            result = False
        elif outer[j] == "?":
            result = inner[i] != "*" and covers(i + 1, j + 1)
        else:
            result = inner[i] == outer[j] and inner[i] not in _WILD and covers(i + 1, j + 1)
        memo[key] = result
        return result

    return covers(0, 0)


def arn_patterns_intersect(request: str, pattern: str) -> bool:
    """Whether a request pattern and a policy pattern share at least one resource."""
    left, right = _segments(request), _segments(pattern)
    if left is None or right is None:
        if _partial_arn(request, left) or _partial_arn(pattern, right):
            return False  # `arn:aws:*` lacks segments: it matches no full ARN
        return globs_intersect(request, pattern)
    return all(globs_intersect(a, b) for a, b in zip(left, right, strict=True))


def arn_pattern_covers(pattern: str, request: str) -> bool:
    """Whether a policy pattern covers every resource of a request pattern."""
    if pattern == "*":
        return True
    left, right = _segments(request), _segments(pattern)
    if left is None or right is None:
        if _partial_arn(pattern, right):
            return False
        return glob_contains(pattern, request)
    return all(glob_contains(p, r) for r, p in zip(left, right, strict=True))
