"""IAM policy documents parsed into normalised, frozen statements.

Parsing validates the grammar the way IAM does when a policy is written (the linter reports
these reasons as MALFORMED) and normalises the JSON's many shapes (a string or a list, one
statement or a list, ``true`` or ``"true"``) so the evaluator sees one shape only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from bot.iam.conditions import UnknownOperatorError, parse_operator, stringify
from bot.model.errors import InputError
from bot.model.safe_parse import UnsafeInput, parse_json

VERSION_2012 = "2012-10-17"
VERSION_2008 = "2008-10-17"
_VERSIONS = (VERSION_2012, VERSION_2008)
_TOP_LEVEL_KEYS = frozenset({"Version", "Id", "Statement"})
_STATEMENT_KEYS = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)
PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")
REPEATED_SID = "Statement IDs (SID) must be unique"  # the start of IAM's own message

Effect = Literal["Allow", "Deny"]
# "*" (everyone) or principal type -> values; types not given are absent.
Principal = Literal["*"] | Mapping[str, tuple[str, ...]]

# IAM rejects a policy variable in Action / NotAction (Access Analyzer's "Variable unsupported
# in element"); the linter reports it as INVALID_POLICY_VARIABLE.
VARIABLE_IN_ACTION_REASON = "a policy variable cannot be used in Action or NotAction"


class PolicyParseError(InputError):
    """A policy document IAM would reject; ``reasons`` are AWS-style, one per problem."""

    def __init__(
        self,
        reasons: list[str],
        *,
        name: str = "",
        problems: list[tuple[int | None, str]] | None = None,
    ) -> None:
        self.reasons = list(reasons)
        # (statement index or None for the document, reason), in the order found.
        self.problems: list[tuple[int | None, str]] = list(problems or [(None, r) for r in reasons])
        self.statement_index = next((i for i, _ in self.problems if i is not None), None)
        self.name = name
        prefix = f"policy {name!r} is malformed" if name else "policy is malformed"
        super().__init__(f"{prefix}: " + "; ".join(self.reasons))


class Condition(NamedTuple):
    """One operator/key pair of a Condition block; values are strings as AWS compares them."""

    operator: str
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Statement:
    index: int
    sid: str | None
    effect: Effect
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    principals: Principal | None = None
    not_principals: Principal | None = None
    conditions: tuple[Condition, ...] = ()

    @property
    def label(self) -> int | str:
        """How reports name the statement: its Sid when it has one, else its index."""
        return self.sid if self.sid else self.index


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    version: str  # "" when the document has no Version (IAM then applies 2008-10-17 rules)
    statements: tuple[Statement, ...]
    id: str | None = None
    document: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def substitutes_variables(self) -> bool:
        """Policy variables are only resolved in 2012-10-17 documents; elsewhere they are text."""
        return self.version == VERSION_2012


def parse_policy(
    document: Mapping[str, Any] | str, *, name: str = "", unique_sids: bool = True
) -> Policy:
    """Parse and validate a policy document (a dict or its JSON text).

    IAM refuses a repeated Sid ("In IAM, the Sid value must be unique within a JSON policy",
    IAM User Guide, "IAM JSON policy elements: Sid"); other services' resource policies (S3
    bucket policies) store them, so ``unique_sids=False`` accepts them.
    """
    problems: list[tuple[int | None, str]] = []
    if isinstance(document, str | bytes):
        if not document.strip():
            raise PolicyParseError(["policy is empty: expected a JSON object"], name=name)
        try:
            # Bytes decoded as json.loads decodes them (UTF-8/16/32, a UTF-8 BOM dropped), so
            # that a decoding error keeps its own reason below.
            text = (
                document.decode(json.detect_encoding(document), "surrogatepass")
                if isinstance(document, bytes)
                else document
            )
            # The bounded parser: a string nested 100,000 deep (a --requests line's policy) is
            # one malformed policy, not a RecursionError that ends the whole run.
            document = parse_json(text)
        except json.JSONDecodeError as exc:
            raise PolicyParseError(
                [f"policy is not valid JSON: {exc.msg} (line {exc.lineno})"], name=name
            ) from exc
        except UnicodeDecodeError as exc:  # bytes that are not UTF-8 (JSON's encoding)
            raise PolicyParseError(
                [f"policy is not UTF-8 text (byte {exc.start} cannot be decoded)"], name=name
            ) from exc
        except UnsafeInput as exc:  # nested too deeply, a number of thousands of digits
            raise PolicyParseError([f"policy cannot be used: {exc}"], name=name) from None
    if not isinstance(document, Mapping):
        raise PolicyParseError(
            [f"policy must be a JSON object, not {_json_type(document)}"], name=name
        )

    unknown = sorted(set(document) - _TOP_LEVEL_KEYS)
    if unknown:
        problems.append(
            (None, f"Policy document contains unknown element(s): {', '.join(unknown)}")
        )
    # An absent Version means 2008-10-17 rules; a Version present must be one of the grammar's
    # two (IAM User Guide, "Grammar of the IAM JSON policy language": <version_block>), so an
    # explicit "" is rejected like any other value.
    version = document.get("Version", "")
    if "Version" in document and version not in _VERSIONS:
        problems.append(
            (None, f"The policy Version {version!r} is not valid; use {VERSION_2012!r}")
        )
    policy_id = document.get("Id")
    if policy_id is not None and not isinstance(policy_id, str):
        problems.append((None, "Id must be a string"))

    raw_statements = document.get("Statement")
    if raw_statements is None:
        problems.append((None, "Policy document is missing the required Statement element"))
        raw_statements = []
    elif isinstance(raw_statements, Mapping):
        raw_statements = [raw_statements]
    elif not isinstance(raw_statements, list):
        problems.append((None, "Statement must be an object or a list of objects"))
        raw_statements = []
    elif not raw_statements:
        problems.append((None, "Statement must contain at least one statement"))

    statements: list[Statement] = []
    seen_sids: set[str] = set()
    for index, raw in enumerate(raw_statements):
        statement = _parse_statement(index, raw, problems)
        if statement is None:
            continue
        if statement.sid and unique_sids:
            if statement.sid in seen_sids:
                problems.append((index, f"{REPEATED_SID}; {statement.sid!r} repeats"))
            seen_sids.add(statement.sid)
        statements.append(statement)

    if problems:
        raise PolicyParseError([r for _, r in problems], name=name, problems=problems)
    return Policy(
        name=name,
        version=version if isinstance(version, str) else "",
        statements=tuple(statements),
        id=policy_id,
        document=document,
    )


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


def _parse_statement(
    index: int, raw: Any, problems: list[tuple[int | None, str]]
) -> Statement | None:
    """One statement; a well-formed one (nearly all) is read by :func:`_well_formed`, the rest
    by :func:`_checked_statement`, which names every problem."""
    statement = _well_formed(index, raw) if type(raw) is dict else None
    return statement if statement is not None else _checked_statement(index, raw, problems)


def _valid_action(value: str) -> bool:
    service, _, name = value.partition(":")
    return value == "*" or (bool(service) and bool(name) and ":" not in name and "${" not in value)


# Action strings already found valid: policies repeat them (s3:GetObject in hundreds of
# documents), and a set answers a whole list at once. Bounded for a long-running bot.
_VALID_ACTIONS: set[str] = set()
_VALID_ACTIONS_LIMIT = 1 << 16


def _valid_actions(values: tuple[str, ...]) -> bool:
    if _VALID_ACTIONS.issuperset(values):
        return True
    if not all(_valid_action(v) for v in values):
        return False
    if len(_VALID_ACTIONS) > _VALID_ACTIONS_LIMIT:
        _VALID_ACTIONS.clear()
    _VALID_ACTIONS.update(values)
    return True


def _strings(value: Any, *, empty: bool = False) -> tuple[str, ...] | None:
    """A string or a non-empty list of strings as a tuple (``empty``: an empty list too, as
    Action and Resource accept); None for anything else."""
    if type(value) is str:
        return (value,)
    if type(value) is list and (value or empty) and all(type(v) is str for v in value):
        return tuple(value)
    return None


def _well_formed(index: int, raw: dict[str, Any]) -> Statement | None:
    """The statement when it is plainly well formed (no Principal, known elements, valid
    values), else None: the same Statement :func:`_checked_statement` builds, for a
    fifth of its work (2,400 documents and 17,000 statements an audit of managed policies)."""
    if not _PLAIN_KEYS.issuperset(raw):
        return None
    sid = raw.get("Sid")
    effect = raw.get("Effect")
    if (sid is not None and type(sid) is not str) or effect not in ("Allow", "Deny"):
        return None
    if "Action" in raw:
        if "NotAction" in raw:
            return None
        actions, not_actions = _strings(raw["Action"], empty=True), None
        listed = actions
    elif "NotAction" in raw:
        actions, not_actions = None, _strings(raw["NotAction"])
        listed = not_actions
    else:
        return None
    if listed is None or not _valid_actions(listed):
        return None
    resources = not_resources = None
    if "Resource" in raw:
        if "NotResource" in raw:
            return None
        resources = listed = _strings(raw["Resource"], empty=True)
    elif "NotResource" in raw:
        not_resources = listed = _strings(raw["NotResource"])
    else:
        listed = ()
    if listed is None or not all(v == "*" or v.startswith("arn:") for v in listed):
        return None
    conditions: tuple[Condition, ...] = ()
    if "Condition" in raw:
        failed: list[str] = []
        conditions = _conditions(raw["Condition"], failed.append)
        if failed:
            return None
    return Statement(
        index=index,
        sid=sid or None,
        effect=effect,
        actions=actions,
        not_actions=not_actions,
        resources=resources,
        not_resources=not_resources,
        conditions=conditions,
    )


_PLAIN_KEYS = _STATEMENT_KEYS - {"Principal", "NotPrincipal"}


def _checked_statement(
    index: int, raw: Any, problems: list[tuple[int | None, str]]
) -> Statement | None:
    def fail(reason: str) -> None:
        problems.append((index, f"Statement {index}: {reason}"))

    if not isinstance(raw, Mapping):
        fail(f"a statement must be an object, not {_json_type(raw)}")
        return None
    before = len(problems)
    unknown = sorted(set(raw) - _STATEMENT_KEYS)
    if unknown:
        fail(f"unknown element(s) {', '.join(unknown)}")

    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        fail("Sid must be a string")
        sid = None

    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        fail(
            "missing required field Effect"
            if effect is None
            else f"Effect must be 'Allow' or 'Deny', not {effect!r}"
        )

    actions = _pair(raw, "Action", "NotAction", fail, required=True)
    for value in (actions[0] or ()) + (actions[1] or ()):
        if "${" in value:
            fail(f"Action {value!r}: {VARIABLE_IN_ACTION_REASON}")
        elif value != "*" and value.count(":") == 1 and value.endswith(":"):
            fail(f"Action {value!r} names no action after the colon (e.g. {value}Get*)")
        elif value != "*" and (value.count(":") != 1 or not all(value.split(":"))):
            fail(f"Action {value!r} must be '*' or 'service:action'")
    resources = _pair(raw, "Resource", "NotResource", fail, required=False)
    for value in (resources[0] or ()) + (resources[1] or ()):
        if value != "*" and not value.startswith("arn:"):
            fail(f"Resource {value!r} must be in ARN format or '*'")

    if "Principal" in raw and "NotPrincipal" in raw:
        fail("cannot have both Principal and NotPrincipal")
    principals = _principal(raw["Principal"], fail, empty=True) if "Principal" in raw else None
    not_principals = _principal(raw["NotPrincipal"], fail) if "NotPrincipal" in raw else None
    conditions = _conditions(raw.get("Condition"), fail)

    if len(problems) > before:
        return None
    return Statement(
        index=index,
        sid=sid or None,
        effect="Allow" if effect == "Allow" else "Deny",  # checked above
        actions=actions[0],
        not_actions=actions[1],
        resources=resources[0],
        not_resources=resources[1],
        principals=principals,
        not_principals=not_principals,
        conditions=conditions,
    )


def _pair(raw: Mapping[str, Any], key: str, not_key: str, fail, *, required: bool):
    """A positive/negative element pair (Action/NotAction): exactly one, as a tuple."""
    if key in raw and not_key in raw:
        fail(f"cannot have both {key} and {not_key}")
        return None, None
    if key not in raw and not_key not in raw:
        if required:
            fail(f"missing required field {key} (or {not_key})")
        return None, None
    present = key if key in raw else not_key
    # IAM stores "Action": [] and "Resource": [] (Access Analyzer: "Empty array action /
    # resource", a suggestion): the statement matches no request. An empty NotAction /
    # NotResource would exclude nothing, so match everything: still refused.
    values = _string_list(raw[present], present, fail, empty=present == key)
    return (values, None) if present == key else (None, values)


def _string_list(value: Any, element: str, fail, *, empty: bool = False) -> tuple[str, ...] | None:
    """A string or a list of strings as a tuple; ``empty``: an empty list is () (it names
    nothing), else refused."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value) and (value or empty):
        return tuple(value)
    if isinstance(value, list) and not value:
        fail(f"{element} must not be an empty list")
    else:
        fail(f"{element} must be a string or a list of strings")
    return None


def _principal(value: Any, fail, *, empty: bool = False) -> Principal | None:
    """``empty``: ``{}`` and empty lists ({"AWS": []}) are taken (IAM stores them: Access
    Analyzer's "Empty object / array principal"): they name nobody. NotPrincipal refuses them,
    since naming nobody there would match everyone."""
    if value == "*":
        return "*"
    if isinstance(value, str) and value:
        # AWS stores only "*" as a bare string; an ARN or account must sit under a type.
        fail(
            f'Principal {value!r} must name its type, e.g. {{"AWS": "{value}"}}'
            ' (AWS accepts a bare string only for "*")'
        )
        return None
    if not isinstance(value, Mapping) or not (value or empty):
        fail("Principal must be '*' or an object such as {\"AWS\": [...]}")
        return None
    normalised: dict[str, tuple[str, ...]] = {}
    for kind, entries in value.items():
        if kind not in PRINCIPAL_TYPES:
            fail(f"invalid principal type {kind!r} (use one of {', '.join(PRINCIPAL_TYPES)})")
            continue
        listed = _string_list(entries, f"Principal {kind}", fail, empty=empty)
        if listed is not None:
            normalised[kind] = listed
    return normalised


def _conditions(value: Any, fail) -> tuple[Condition, ...]:
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        fail("Condition must be an object of operator -> {key: value(s)}")
        return ()
    conditions: list[Condition] = []
    for operator, block in value.items():
        try:
            parse_operator(operator)
        except UnknownOperatorError as exc:
            fail(str(exc))
            continue
        if not isinstance(block, Mapping) or not block:
            fail(f"Condition {operator} must map condition keys to values")
            continue
        for key, raw_values in block.items():
            items = raw_values if isinstance(raw_values, list) else [raw_values]
            try:
                values = tuple(stringify(v) for v in items)
            except TypeError:
                fail(f"Condition {operator} {key}: values must be strings, numbers or booleans")
                continue
            conditions.append(Condition(operator, key, values))
    return tuple(conditions)
