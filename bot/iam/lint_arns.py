"""Resource ARNs whose partition, service, region or account segment can never be right.

`arn:partition:service:region:account:resource`: the catalogue's ARN formats say, per resource
type, whether a region and an account belong there (an S3 bucket has neither, an IAM role no
region). The formats of the ARN's service whose resource part can match decide; when they
disagree nothing is reported. Regions and partitions come from data/aws_regions.json (taken
from botocore's endpoint data, a snapshot): a region missing from it is MEDIUM (Access Analyzer's
"Invalid ARN Region" is an ERROR) unless it could be one AWS opened after the snapshot
(:func:`region_severity`), which stays LOW. An empty account where the type's ARN names one is
Access Analyzer's "Missing ARN account" unless AWS publishes resources of that type itself
(:data:`_AWS_OWNED`).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections import defaultdict
from functools import cache, lru_cache
from importlib import resources

from bot.iam.catalogue import ActionCatalogue
from bot.iam.lint_context import LintContext
from bot.iam.lint_model import INVALID_ARN, LintFinding, finding
from bot.iam.lint_resources import resource_part_matches_format, service_formats
from bot.iam.policy import Statement
from bot.model.severity import Severity

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")
_ACCOUNT = re.compile(r"^\d{12}$")
# A region code: area (us, eu, us-gov, eusc-de), direction, number (us-east-1, us-gov-west-1).
_REGION_NAME = re.compile(
    r"^(?P<area>[a-z]{2,4}(?:-[a-z]{2,4})?)"
    r"-(?P<direction>(?:north|south)?(?:east|west)|north|south|central)-(?P<number>[1-9]\d?)$"
)
# Resource parts IAM authorises that the Service Authorization Reference (the catalogue) has no
# resource type for: an ARN starting so may be right, so an unmatched one stays LOW.
_CATALOGUE_GAPS: dict[str, tuple[str, ...]] = {
    "cloudformation": ("transform/",),  # AWS::Serverless and other macros (CreateChangeSet)
    "waf": ("changetoken/",),  # WAF Classic's change tokens
    "waf-regional": ("changetoken/",),
}
# Resources AWS publishes to every account leave the account segment of their ARN empty, though
# the Service Authorization Reference's format for the type has ${Account}: an empty account is
# only a mistake ("Missing ARN account") where the resource part cannot name one of these. ARN
# service -> how the resource parts of AWS's own resources begin, lower case (compared without
# case: it only keeps findings away). Measured on AWS's managed policies as moto ships them,
# every empty account of a type with ${Account} is one of these but arn:aws:kms:*::* (KMS keys
# and aliases always name their account). EC2 AMIs and EBS snapshots need no row: their formats
# have no account (arn:${Partition}:ec2:${Region}::image/${ImageId}).
_AWS_OWNED: dict[str, tuple[str, ...]] = {
    "ssm": (
        # Documents and Automation runbooks AWS publishes (AWS-RunShellScript, AWSSupport-*,
        # AmazonCloudWatch-ManageAgent): SSM CreateDocument reserves the name prefixes aws,
        # amazon and amzn for them, and "the account ID shouldn't be specified in the ARN for
        # AWS owned public documents" (Systems Manager User Guide,
        # automation-setup-identity-based-policies.html).
        "document/aws",
        "document/amazon",
        "document/amzn",
        "automation-definition/aws",
        "automation-definition/amazon",
        "automation-definition/amzn",
        # Public parameters (latest AMI IDs and the like): "a public parameter name begins with
        # aws/service" (parameter-store-finding-public-parameters.html).
        "parameter/aws/service/",
    ),
    # AWS service views (view/AWSServiceViewForApplicationSignals/service-view): predefined by
    # AWS and "available to authorized callers without setup as a global resource" (Resource
    # Explorer User Guide, aws-service-views.html).
    "resource-explorer-2": ("view/aws",),
}


@cache
def partitions() -> dict[str, frozenset[str]]:
    """Partition -> its region codes."""
    text = resources.files("bot.iam").joinpath("data/aws_regions.json").read_text("utf-8")
    raw = json.loads(text)["partitions"]
    return {name: frozenset(regions) for name, regions in raw.items()}


@cache
def all_regions() -> frozenset[str]:
    return frozenset().union(*partitions().values())


@cache
def _highest_numbers(partition: str | None) -> dict[str, int]:
    """(area-direction, e.g. "us-east") -> the highest region number known there, in the
    partition (every partition for None or an unknown one)."""
    known = partitions().get(partition or "", all_regions())
    highest: dict[str, int] = {}
    for region in known:
        match = _REGION_NAME.match(region)
        if match:
            series = f"{match['area']}-{match['direction']}"
            highest[series] = max(highest.get(series, 0), int(match["number"]))
    return highest


def region_severity(region: str, partition: str | None = None) -> Severity | None:
    """None for a region of the partition (of any partition when ``partition`` is None or not
    one); else how sure it is not a region. The list is botocore's at one release, so a region
    AWS opened later is missing: a name that could be one (the next numbers of a known series
    such as us-east-3, AWS numbering a series in announcement order and opening them out of
    order, or the first of a new one, xx-central-1) is LOW. Anything else (no region shape,
    us-moon-1, us-east-9, a region of another partition) is MEDIUM."""
    known = partitions().get(partition or "", all_regions())
    if region in known:
        return None
    match = _REGION_NAME.match(region)
    if match is None or region in all_regions():
        return Severity.MEDIUM
    number = int(match["number"])
    highest = _highest_numbers(partition if partition in partitions() else None)
    series = f"{match['area']}-{match['direction']}"
    if series in highest:
        return Severity.LOW if number <= highest[series] + 2 else Severity.MEDIUM
    return Severity.LOW if number == 1 else Severity.MEDIUM


def _dynamic(text: str) -> bool:
    return "*" in text or "?" in text or "${" in text


@lru_cache(maxsize=4)
def _formats_by_service(catalogue: ActionCatalogue) -> dict[str, tuple[str, ...]]:
    """ARN service segment -> every ARN format of the catalogue's resource types (all of them,
    also those no action names yet, such as API Gateway's /apis)."""
    formats: dict[str, set[str]] = defaultdict(set)
    for service in catalogue.services():
        for arn_format in service_formats(service):
            parts = arn_format.split(":", 5)
            if len(parts) != 6:
                continue
            # Backup's recovery point (arn:...:${Vendor}:...) names other services' ARNs; it is
            # kept under its own service only, where its segments are Backup's.
            formats[service if "${" in parts[2] else parts[2]].add(arn_format)
    return {service: tuple(sorted(found)) for service, found in formats.items()}


@lru_cache(maxsize=1024)
def _own_formats(catalogue: ActionCatalogue, service: str) -> tuple[str, ...]:
    """The formats of the prefix named like the ARN's service, with that ARN service."""
    if not catalogue.service_exists(service):
        return ()
    return tuple(
        f
        for f in service_formats(service)
        if len(parts := f.split(":", 5)) == 6 and (parts[2] == service or "${" in parts[2])
    )


def _literal_start(resource: str) -> str:
    """A Resource's resource part up to its first wildcard or variable."""
    cut = len(resource)
    for mark in ("*", "?", "${"):
        found = resource.find(mark, 0, cut)
        if found >= 0:
            cut = found
    return resource[:cut]


@lru_cache(maxsize=65536)
def _format_start(arn_format: str) -> str:
    """A format's resource part up to its first placeholder."""
    resource = arn_format.split(":", 5)[5]
    cut = resource.find("${")
    return resource if cut < 0 else resource[:cut]


def _prefixes_agree(a: str, b: str) -> bool:
    """A cheap necessary condition for two resource parts to match the same ARN."""
    shorter = min(len(a), len(b))
    return a[:shorter] == b[:shorter]


class _FormatsByStart:
    """A service's ARN formats indexed by their literal start (:func:`_format_start`), so
    that the formats whose start agrees with a Resource's (:func:`_prefixes_agree`) are found
    by a few look-ups instead of a comparison with each: ec2 has 109 formats, and a policy
    may list thousands of ARNs."""

    def __init__(self, formats: tuple[str, ...]) -> None:
        self.formats = formats
        by_start: dict[str, list[int]] = defaultdict(list)
        for position, arn_format in enumerate(formats):
            by_start[_format_start(arn_format)].append(position)
        self._by_start = {start: tuple(found) for start, found in by_start.items()}
        self._starts = sorted(by_start)
        # The lengths of the (non-empty) starts, by their first character: a literal is then
        # compared with the few starts that begin as it does.
        lengths: dict[str, set[int]] = defaultdict(set)
        for start in by_start:
            if start:
                lengths[start[0]].add(len(start))
        self._lengths = {first: tuple(sorted(found)) for first, found in lengths.items()}
        self._unanchored = self._by_start.get("", ())

    def agreeing(self, literal: str) -> tuple[str, ...]:
        """The formats, in their order, whose start and ``literal`` agree (one is a prefix of
        the other)."""
        if not literal:
            return self.formats  # every start begins with the empty text
        found = list(self._unanchored)  # the empty start begins every literal
        # Starts that are a prefix of the literal: one look-up per distinct start length.
        for length in self._lengths.get(literal[0], ()):
            if length > len(literal):
                break
            found.extend(self._by_start.get(literal[:length], ()))
        # Longer starts that begin with the literal: a run of the sorted starts after it.
        starts = self._starts
        position = bisect_right(starts, literal)
        while position < len(starts) and starts[position].startswith(literal):
            found.extend(self._by_start[starts[position]])
            position += 1
        if len(found) > 1:
            found.sort()
        return tuple(self.formats[position] for position in found)


@lru_cache(maxsize=1024)
def _own_formats_by_start(catalogue: ActionCatalogue, service: str) -> _FormatsByStart:
    return _FormatsByStart(_own_formats(catalogue, service))


@lru_cache(maxsize=1024)
def _service_formats_by_start(catalogue: ActionCatalogue, service: str) -> _FormatsByStart:
    return _FormatsByStart(_formats_by_service(catalogue).get(service, ()))


def _segment_rule(formats: tuple[str, ...], index: int) -> str | None:
    """'none' when every format leaves the segment empty, 'some' when every one has a value,
    None when they disagree."""
    empty = {not f.split(":", 5)[index] for f in formats}
    if empty == {True}:
        return "none"
    if empty == {False}:
        return "some"
    return None


@lru_cache(maxsize=4096)
def _segment_rules(formats: tuple[str, ...]) -> tuple[str | None, str | None]:
    """The region and account rules of a set of matching formats: few distinct sets recur
    for thousands of ARNs."""
    return _segment_rule(formats, 3), _segment_rule(formats, 4)


def _matching(index: _FormatsByStart, service: str, resource: str, literal: str) -> tuple[str, ...]:
    """The formats of ``index`` some ARN of ``service`` with this resource part matches."""
    return tuple(
        f for f in index.agreeing(literal) if resource_part_matches_format(service, resource, f)
    )


@lru_cache(maxsize=16384)
def arn_problems(arn: str, catalogue: ActionCatalogue) -> tuple[tuple[str, str, Severity], ...]:
    """(kind, message, severity) for one Resource value."""
    stripped = arn.strip()
    if stripped != arn:
        # Resource values are compared as written: no ARN starts or ends with whitespace, so
        # the value matches no request. What is wrong with the value once trimmed is reported
        # too, so that fixing the spaces is not followed by another finding.
        return (whitespace_problem(arn), *arn_problems(stripped, catalogue))
    if arn == "*" or not arn.startswith("arn:"):
        return ()
    # A variable such as ${aws:PrincipalAccount} holds a colon: mask it before splitting.
    parts = (_PLACEHOLDER.sub("${v}", arn) if "${" in arn else arn).split(":", 5)
    if len(parts) < 6:
        return (
            (
                "missing_field",
                f"{arn} has {len(parts)} of the 6 ARN fields"
                " (arn:partition:service:region:account:resource)",
                Severity.MEDIUM,
            ),
        )
    _, partition, service, region, account, resource = parts
    if not resource or not service:
        # Access Analyzer's "Missing ARN field": every ARN names its service and resource.
        return (
            (
                "missing_field",
                f"{arn} has an empty {'service' if not service else 'resource'} field"
                " (arn:partition:service:region:account:resource)",
                Severity.MEDIUM,
            ),
        )
    found: list[tuple[str, str, Severity]] = []
    if partition and not _dynamic(partition) and partition not in partitions():
        found.append(
            (
                "partition",
                f"{arn}: {partition!r} is not an AWS partition"
                f" (use one of {', '.join(sorted(partitions()))})",
                Severity.MEDIUM,
            )
        )
    if "*" in service or "?" in service:
        found.append(
            (
                "wildcard_service",
                f"{arn}: a wildcard in the service name matches resources of every service;"
                " name the service",
                Severity.LOW,
            )
        )
        return tuple(found)
    if service != service.lower():
        found.append(
            (
                "service_case",
                f"{arn}: service names in ARNs are lower case ({service.lower()})",
                Severity.MEDIUM,
            )
        )
        return tuple(found)
    resource = parts[5]
    literal = _literal_start(resource)
    # The service's own prefix first (cheap: one file); every prefix's formats only when that
    # finds nothing, since a few prefixes define resources under another's ARN service
    # (sagemaker-mlflow's tracking servers are arn:...:sagemaker:...).
    matching = _matching(_own_formats_by_start(catalogue, service), service, resource, literal)
    if not matching:
        index = _service_formats_by_start(catalogue, service)
        formats = index.formats
        if not formats:
            return tuple(found)  # a service the catalogue has no ARN format for: no opinion
        matching = _matching(index, service, resource, literal)
    if not matching:
        # MEDIUM (Access Analyzer's "Invalid ARN resource" is an ERROR): the catalogue knows
        # this service's resource types, and an ARN that fits none of them is nearly always a
        # mistake (most such ARNs in AWS's own managed policies are: arn:*:kms:*:::*,
        # arn:aws:logs:*:*:/aws-glue/*). The Service Authorization Reference does miss a few
        # resource types IAM authorises (_CATALOGUE_GAPS): an ARN of those stays LOW.
        gap = resource.startswith(_CATALOGUE_GAPS.get(service, ()))
        found.append(
            (
                "resource",
                f"{arn}: the resource part matches no {service} resource type's ARN format"
                f" (for example {formats[0]}), so it may never match a real resource",
                Severity.LOW if gap else Severity.MEDIUM,
            )
        )
        return tuple(found)
    region_rule, account_rule = _segment_rules(matching)
    found.extend(_region_problems(arn, region, partition, region_rule))
    found.extend(_account_problems(arn, account, account_rule, service, literal))
    return tuple(found)


def whitespace_problem(arn: str) -> tuple[str, str, Severity]:
    """The value has whitespace around it (or is only whitespace)."""
    stripped = arn.strip()
    if not stripped:
        what, fix = "is only whitespace", "name a resource or '*'"
    else:
        sides = [
            side
            for side, spaced in (("leading", arn[0].isspace()), ("trailing", arn[-1].isspace()))
            if spaced
        ]
        what, fix = f"has {' and '.join(sides)} whitespace", f"write {stripped!r}"
    return (
        "whitespace",
        f"{arn!r} {what}: ARNs hold no spaces and IAM compares the value as written, so it"
        f" matches no request; {fix}",
        Severity.MEDIUM,
    )


def _region_problems(
    arn: str, region: str, partition: str, rule: str | None
) -> list[tuple[str, str, Severity]]:
    if rule == "none" and region and region != "*":
        return [
            (
                "region_not_allowed",
                f"{arn}: this resource type's ARN has no region; leave the region empty",
                Severity.MEDIUM,
            )
        ]
    if rule == "some" and not region:
        return [
            (
                "missing_region",
                f"{arn}: this resource type's ARN needs a region (or *)",
                Severity.MEDIUM,
            )
        ]
    if rule == "some" and not _dynamic(region):
        severity = region_severity(region, partition)
        if severity is not None:
            where = f"in partition {partition}" if partition in partitions() else "at all"
            maybe = " (or one opened after our region list)" if severity is Severity.LOW else ""
            return [
                (
                    "region",
                    f"{arn}: {region!r} is not an AWS region {where}{maybe}",
                    severity,
                )
            ]
    return []


def may_be_aws_owned(service: str, literal: str) -> bool:
    """Whether a resource part whose text up to its first wildcard or variable is ``literal``
    may name a resource AWS publishes without an account (:data:`_AWS_OWNED`): the two starts
    agree, one being a prefix of the other, so `document/*` may and `document/My*` may not."""
    owned = _AWS_OWNED.get(service)
    if not owned:
        return False
    start = literal.lower()
    return any(_prefixes_agree(start, prefix) for prefix in owned)


def _account_problems(
    arn: str, account: str, rule: str | None, service: str, literal: str
) -> list[tuple[str, str, Severity]]:
    """``literal`` is the resource part up to its first wildcard or variable."""
    if rule == "some" and not account and not may_be_aws_owned(service, literal):
        # Access Analyzer's "Missing ARN account" (error): every resource of the type names
        # its owner's account, so an ARN with the segment empty matches none.
        but = (
            " (but those AWS publishes itself, which this one cannot be)"
            if service in _AWS_OWNED
            else ""
        )
        return [
            (
                "missing_account",
                f"{arn}: the account ID is missing, and every ARN of this resource type{but}"
                " names the account that owns the resource, so the value matches none; add"
                " the account ID (12 digits), or * for any account",
                Severity.MEDIUM,
            )
        ]
    if rule == "none" and account and account != "*":
        return [
            (
                "account_not_allowed",
                f"{arn}: this resource type's ARN has no account ID; leave the account empty",
                Severity.MEDIUM,
            )
        ]
    if (
        rule == "some"
        and account
        and not _dynamic(account)
        and not _ACCOUNT.match(account)
        and account != "aws"
    ):
        return [
            (
                "account",
                f"{arn}: {account!r} is not an account ID (12 digits)",
                Severity.MEDIUM,
            )
        ]
    return []


# Problems that leave a value matching no ARN at all (others may only miss the resources meant).
_MATCHES_NOTHING = frozenset({"whitespace", "missing_account"})


def lint_arns(statement: Statement, ctx: LintContext) -> list[LintFinding]:
    findings: list[LintFinding] = []
    for element, values in (
        ("Resource", statement.resources),
        ("NotResource", statement.not_resources),
    ):
        for value in values or ():
            for kind, message, severity in arn_problems(value, ctx.catalogue):
                # A NotResource value that matches nothing leaves nothing out.
                after = (
                    "; as NotResource it excludes nothing"
                    if kind in _MATCHES_NOTHING and element == "NotResource"
                    else ""
                )
                findings.append(
                    finding(
                        INVALID_ARN,
                        statement.index,
                        f"{element} {message}{after}",
                        {"kind": kind, "arn": value, "element": element},
                        severity=severity,
                    )
                )
    return findings
