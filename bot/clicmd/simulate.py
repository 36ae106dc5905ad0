"""`iam-audit simulate`: ask the local policy simulator whether a request is allowed.

Three ways to ask: one JSON request (``--request``), many (``--requests`` JSON lines, one answer
per line, in order), or the friendly flags (``--policy``/``--action``/``--resource``), optionally
about a real principal of a snapshot or GAAD file (``--principal`` with ``--snapshot``/``--gaad``).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Mapping, Sequence
from pickle import dumps as _pickle
from typing import TYPE_CHECKING, Any

from bot.clicmd._common import (
    STDIO,
    add_aws_options,
    add_format_option,
    add_output_option,
    note,
    read_json_file,
    read_text_file,
    refuse_unsafe_json,
    write_output,
)
from bot.iam.catalogue import default_catalogue
from bot.iam.evaluator import (
    Decision,
    Evaluator,
    PolicySet,
    Request,
    SharedCompilation,
    StatementTrace,
    asks_about_a_set,
)
from bot.iam.policy import REPEATED_SID, Policy, PolicyParseError, parse_policy
from bot.iam.principals import parse_principal
from bot.model.collector import gc_paused
from bot.model.errors import InputError
from bot.model.safe_parse import UnsafeInput, parse_json
from bot.render.grammar import plural

if TYPE_CHECKING:  # the second opinion and snapshots are imported where used: a bulk file
    # needs neither, and the process start-up counts in its requests per second
    from bot.iam.second_opinion import Comparison

NAME = "simulate"
HELP = "simulate whether a principal may perform an action on a resource (offline)"

EXIT_OK = 0
EXIT_BAD_INPUT = 2
# Used when policies are given without a principal: a plain IAM user in the resource's account
# (or a reserved-looking account), so the answer is about the policies alone.
DEFAULT_ACCOUNT = "000000000000"
DEFAULT_USER = "policy-simulator"
# The request fields that carry policies (everything else describes the request itself).
_POLICY_KEYS = (
    "identity_policies",
    "permission_boundaries",
    "scps",
    "rcps",
    "resource_policy",
    "session_policy",
    "principal_in_management_account",
    "resource_in_management_account",
)
_REQUEST_KEYS = frozenset(
    {"principal", "action", "resource", "resource_account", "context", "resource_is_pattern"}
) | frozenset(_POLICY_KEYS)
_MAX_OTHER_LINES = 12


EXAMPLES = """\
examples:
  iam-audit simulate --policy policy.json --action s3:GetObject \\
      --resource arn:aws:s3:::example-bucket/report.csv
  iam-audit simulate --policy policy.json --boundary boundary.json --action s3:PutObject \\
      --resource 'arn:aws:s3:::example-bucket/*' --context aws:MultiFactorAuthPresent=false
  iam-audit simulate --principal arn:aws:iam::123456789012:user/alice --snapshot snap.json \\
      --action iam:CreateAccessKey
  iam-audit simulate --request request.json --format json
  iam-audit simulate --requests requests.jsonl -f json > answers.jsonl   one answer per line
  iam-audit simulate --request request.json --aws --profile audit   AWS's simulator too
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter  # keep the examples' lines
    parser.epilog = EXAMPLES
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--request", metavar="FILE", help="one request as a JSON object")
    source.add_argument(
        "--requests", metavar="FILE", help="JSON lines: one request per line, one answer per line"
    )
    parser.add_argument(
        "--policy",
        metavar="FILE",
        action="append",
        default=[],
        help="an identity policy document (repeatable)",
    )
    parser.add_argument(
        "--boundary", metavar="FILE", action="append", default=[], help="a permissions boundary"
    )
    parser.add_argument("--resource-policy", metavar="FILE", help="the resource's own policy")
    parser.add_argument("--session-policy", metavar="FILE", help="a session policy")
    parser.add_argument("--action", help="the action, e.g. s3:GetObject")
    parser.add_argument("--resource", default="*", help="the resource ARN (default: *)")
    parser.add_argument(
        "--resource-account",
        type=_account_id_arg,
        metavar="ACCOUNT",
        help="the 12-digit id of the account that owns the resource",
    )
    parser.add_argument(
        "--context",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="a request-context value; repeat a key for a multi-valued key",
    )
    parser.add_argument(
        "--principal",
        metavar="ARN",
        help=f"the caller (default: user {DEFAULT_USER} in the resource's account)",
    )
    snapshot = parser.add_mutually_exclusive_group()
    snapshot.add_argument(
        "--snapshot", metavar="FILE", help="take the principal's policies from a snapshot"
    )
    snapshot.add_argument(
        "--gaad", metavar="FILE", help="take the principal's policies from a GAAD file"
    )
    parser.add_argument(
        "--aws",
        action="store_true",
        help="also ask AWS's IAM policy simulator (iam:SimulateCustomPolicy /"
        " iam:SimulatePrincipalPolicy) and show where it agrees",
    )
    add_aws_options(parser)
    add_format_option(parser, ("text", "json"))
    add_output_option(parser)


def _account_id_arg(text: str) -> str:
    """argparse ``type=`` for --resource-account: it names the default principal's account and
    decides same- or cross-account, so a typo must not become the answer's premise."""
    if not _is_account_id(text):
        raise argparse.ArgumentTypeError(f"not a 12-digit AWS account id: {text[:40]!r}")
    return text


def _is_account_id(text: str) -> bool:
    return len(text) == 12 and text.isascii() and text.isdigit()


def run(args: argparse.Namespace) -> int:
    if args.request or args.requests:
        _refuse_friendly_flags(args)
    if args.requests:
        return _run_lines(args)
    live_principal = False
    if args.request:
        request, policies = _request_file(args.request)
    else:
        request, policies = _friendly_request(args)
        live_principal = bool(args.principal and (args.snapshot or args.gaad))
    for warning in (
        unknown_principal_note(request.principal_arn),
        unknown_action_note(request.action),
    ):
        if warning:
            note(warning)
    evaluator = Evaluator(policies)
    decision = evaluator.evaluate(request)
    comparisons: list[Comparison] = []
    if args.aws:
        from bot.iam.second_opinion import summary  # noqa: PLC0415 - only with --aws

        source = _principal_source(args, request) if live_principal else None
        comparisons = _ask_aws(
            [(request, policies, decision)], _simulator_factory(args), principal_source=source
        )
    if args.format == "json":
        answer = answer_dict(decision)
        if comparisons:
            answer["aws"] = comparisons[0].to_dict()
            answer["second_opinion"] = summary(comparisons)
        text = json.dumps(answer, indent=2) + "\n"
    else:
        text = render_text(request, decision, evaluator.explain(request))
        if comparisons:
            text += _second_opinion_text(comparisons)
    write_output(text, args.output)
    return EXIT_OK


def _request_file(path: str) -> tuple[Request, PolicySet]:
    """The --request file's request; what is wrong with its content names the file too."""
    data = read_json_file(path, what="request file")
    try:
        return request_from_dict(data)
    except InputError as exc:
        name = "standard input" if path == STDIO else path
        raise InputError(f"request file {name}: {exc}") from None


def _run_lines(args: argparse.Namespace) -> int:
    text = read_text_file(args.requests, what="requests file")
    evaluated: list[tuple[Request, PolicySet, Decision]] = []
    with gc_paused():
        answers, failed = answer_lines(text, evaluated=evaluated if args.aws else None)
    comparisons: dict[int, Comparison] = {}
    if args.aws and evaluated:
        found = _ask_aws(evaluated, _simulator_factory(args))
        for (request, _, _), comparison in zip(evaluated, found, strict=True):
            comparisons[id(request)] = comparison
        for answer in answers:
            request = answer.pop("_request", None)
            if request is not None and id(request) in comparisons:
                answer["aws"] = comparisons[id(request)].to_dict()
    with gc_paused():
        lines = [_answer_line(a, args.format, n) for n, a in enumerate(answers, start=1)]
    if comparisons:
        from bot.iam.second_opinion import summary  # noqa: PLC0415 - only with --aws

        found_list = list(comparisons.values())
        if args.format == "json":
            note(summary(found_list))
        else:
            lines.append(_second_opinion_text(found_list, per_request=False))
    write_output("".join(lines), args.output)
    if failed:
        note(_failed_lines_summary(args.requests, answers, failed))
    return EXIT_BAD_INPUT if failed else EXIT_OK


def _failed_lines_summary(path: str, answers: Sequence[Mapping[str, Any]], failed: int) -> str:
    """The one stderr line that says some lines got an error answer: the answers themselves
    may be in a file (-o) or scrolled past, and exit 2 alone does not say why."""
    name = "standard input" if path == STDIO else path
    first = next(str(a["error"]) for a in answers if "error" in a)
    return (
        f"requests file {name}: {failed} of {plural(len(answers), 'line')} could not be"
        f" answered; first: {first}"
    )


# --- AWS's simulator as a second opinion ------------------------------------------------------


def _simulator_factory(args: argparse.Namespace) -> Callable[[], Any]:
    """Builds the AWS adapter on first use; boto3 is imported only when --aws is given."""

    def make() -> Any:
        from bot.aws.policy_simulator import from_session  # noqa: PLC0415 - boto3 when used
        from bot.aws.session import make_session  # noqa: PLC0415

        return from_session(make_session(profile=args.profile, region=args.region))

    return make


def _ask_aws(
    evaluated: Sequence[tuple[Request, PolicySet, Decision]],
    make_simulator: Callable[[], Any],
    *,
    principal_source: str | None = None,
) -> list[Comparison]:
    from bot.aws.policy_simulator import second_opinion  # noqa: PLC0415 - boto3 when used

    return second_opinion(evaluated, make_simulator, principal_source=principal_source)


def _principal_source(args: argparse.Namespace, request: Request) -> str | None:
    """The live user or role to ask SimulatePrincipalPolicy about, when only its own (and
    added identity) policies are in play; None when the custom simulation must be used."""
    if args.boundary or args.resource_policy or args.session_policy:
        return None
    if _trust_action(request.action):
        return None  # the trust policy comes from the snapshot: simulate the documents
    # A session ARN does not carry its role's path, which SimulatePrincipalPolicy needs: a
    # session is simulated from the snapshot's documents instead.
    caller = parse_principal(request.principal_arn)
    return request.principal_arn if caller.kind in ("user", "role") else None


def _trust_action(action: str) -> bool:
    return action.lower().startswith("sts:assumerole")


def _second_opinion_text(comparisons: Sequence[Comparison], *, per_request: bool = True) -> str:
    from bot.iam.second_opinion import difference_lines, summary  # noqa: PLC0415 - with --aws

    lines = [""]
    if per_request and len(comparisons) == 1 and comparisons[0].aws is not None:
        only = comparisons[0]
        verdict = "agrees" if only.agrees else f"DIFFERS (local engine: {only.local})"
        lines.append(f"AWS's simulator: {only.aws} -- {verdict}")
        if only.note:
            lines.append(f"  {only.note}")
    sentence = summary(comparisons)
    lines.append(sentence[0].upper() + sentence[1:])
    for line in difference_lines(comparisons):
        lines.append(f"  differs: {line}")
    return "\n".join(lines) + "\n"


def unknown_principal_note(principal: str) -> str | None:
    """A caller that is no principal (``alice`` for its ARN, an ARN cut short) has no account,
    so every same-account rule reads it as a stranger: answered, but never silently."""
    if parse_principal(principal).kind != "other":
        return None
    return (
        f"warning: {principal[:200]!r} is not a principal: give an ARN"
        " (arn:aws:iam::123456789012:user/NAME, ...:role/NAME, arn:aws:sts::...:assumed-role/...),"
        " a service (ec2.amazonaws.com) or *. The answer evaluates it as written."
    )


def unknown_action_note(action: str) -> str | None:
    """A typo (s3:GetObjekt) still gets an answer, evaluated as written, but never silently:
    the answer alone would read as "your policies deny it"."""
    catalogue = default_catalogue()
    if catalogue.action(action) is not None or "*" in action or "?" in action:
        return None
    import difflib  # noqa: PLC0415 - only for a name that is not an action

    prefix, colon, name = action.partition(":")
    where = f"IAM action data {catalogue.version}"
    if not colon:
        return (
            f"warning: {action!r} is not an action name (service:Action). The answer evaluates"
            " it as written."
        )
    if not catalogue.service_exists(prefix):
        close = difflib.get_close_matches(prefix.lower(), catalogue.services(), n=3, cutoff=0.5)
        what = f"there is no AWS service with prefix {prefix!r} ({where})"
    else:
        names = {full.partition(":")[2].lower(): full for full in catalogue.expand(f"{prefix}:*")}
        close = [names[n] for n in difflib.get_close_matches(name.lower(), names, n=3)]
        what = f"{action} is not an action of {prefix} ({where})"
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"warning: {what}{hint} The answer evaluates it as written."


def _refuse_friendly_flags(args: argparse.Namespace) -> None:
    """A request file carries everything; silently ignoring extra flags would mislead."""
    given = [
        flag
        for flag, value in (
            ("--policy", args.policy),
            ("--boundary", args.boundary),
            ("--resource-policy", args.resource_policy),
            ("--session-policy", args.session_policy),
            ("--action", args.action),
            ("--resource", args.resource != "*"),
            ("--resource-account", args.resource_account),
            ("--context", args.context),
            ("--principal", args.principal),
            ("--snapshot", args.snapshot),
            ("--gaad", args.gaad),
        )
        if value
    ]
    # --aws, --profile and --region apply to request files too
    if given:
        raise InputError(
            f"--request/--requests already describe the request; drop {', '.join(given)}"
        )


# --- requests as JSON -------------------------------------------------------------------------


def answer_dict(decision: Decision) -> dict[str, Any]:
    return decision.to_dict()


def answer_lines(
    text: str, *, evaluated: list[tuple[Request, PolicySet, Decision]] | None = None
) -> tuple[list[dict[str, Any]], int]:
    """One answer per input line; a bad line answers ``{"error": ...}`` and the rest go on.

    With ``evaluated``, each good line's (request, policies, decision) is appended to it and
    its answer carries the request under ``_request`` (for the caller to pop)."""
    answers: list[dict[str, Any]] = []
    failed = 0
    # Bulk files repeat the same policies line after line: each distinct set is parsed and
    # compiled once (parsing was a third of the time, building the evaluator a fifth), and
    # distinct sets share the compiled documents and statement results they have in common.
    evaluators: dict[bytes, tuple[PolicySet, Evaluator]] = {}
    parsed: ParseCache = {}
    shared = SharedCompilation()
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            if not line or line.isspace():  # `not line.strip()` without copying the line
                raise InputError("empty line")
            try:
                data = parse_json(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"not valid JSON: {exc.msg} at column {exc.colno}") from None
            except UnsafeInput as exc:
                raise InputError(f"cannot be used: {exc}") from None
            request = _request_part(data)
            policies, evaluator = _evaluator_for(data, evaluators, parsed, shared)
            decision = evaluator.evaluate(request)
            answer = answer_dict(decision)
            if evaluated is not None:
                evaluated.append((request, policies, decision))
                answer["_request"] = request
            answers.append(answer)
        except InputError as exc:
            failed += 1
            answers.append({"error": f"line {number}: {exc}"})
    return answers, failed


# json.dumps(..., separators=(",", ":")) without building an encoder per answer.
# No check for circular references: an answer is a tree of fresh dicts and lists.
_COMPACT = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode


def _answer_line(answer: Mapping[str, Any], fmt: str, number: int) -> str:
    if fmt == "json":
        return _COMPACT(answer) + "\n"
    if "error" in answer:
        # The JSON answer names its line for bulk consumers; the text line already starts with it.
        return f"{number}: error: {str(answer['error']).removeprefix(f'line {number}: ')}\n"
    aws = answer.get("aws")
    suffix = ""
    if aws and aws.get("decision") is not None:
        suffix = " [AWS agrees]" if aws["agrees"] else f" [AWS: {aws['decision']}, differs]"
    return f"{number}: {answer['decision']}: {answer['reason']}{suffix}\n"


def request_from_dict(data: Any) -> tuple[Request, PolicySet]:
    """Validate one request object and parse every policy it carries."""
    return _request_part(data), _policy_set(data)


_MAX_CACHED_EVALUATORS = 8192
# Parsed policies of one bulk file: its lines repeat the same documents. A document's Policy by
# (its place, e.g. "scps[0][1]", pickle of the document), and a list field's parsed lists by
# (the field, e.g. "scps", pickle of its value): a place always has brackets, a field never.
ParseCache = dict[tuple[str, bytes], Any]
_MAX_PARSED = 4096


def _document_key(value: Any) -> bytes:
    """A cache key for decoded JSON: its pickle, which tells apart every value JSON can hold
    (1, 1.0 and true; a document and the same text as a string) and costs half of its repr and
    a third of dumping it. Equal keys unpickle to equal values, so they parse alike; equal
    values that differ in which strings are one object may get two keys (a missed reuse only).
    """
    return _pickle(value, 5)


def _evaluator_for(
    data: Mapping[str, Any],
    cache: dict[bytes, tuple[PolicySet, Evaluator]],
    parsed: ParseCache,
    shared: SharedCompilation | None = None,
) -> tuple[PolicySet, Evaluator]:
    """The parsed policies of a (validated) request and their evaluator, shared by every line
    that carries the same policies."""
    key = _document_key(tuple(map(data.get, _POLICY_KEYS)))
    found = cache.get(key)
    if found is None:
        policies = _policy_set(data, parsed)
        found = (policies, Evaluator(policies, shared=shared))
        if len(cache) >= _MAX_CACHED_EVALUATORS:
            cache.clear()
        cache[key] = found
    return found


def _request_part(data: Any) -> Request:
    """Validate a request object's own fields (not its policies) and build the Request."""
    if not isinstance(data, dict):
        raise InputError("a request must be a JSON object")
    if not _REQUEST_KEYS.issuperset(data):
        unknown = sorted(set(data) - _REQUEST_KEYS)
        raise InputError(f"unknown request field(s): {', '.join(unknown)}")
    for key in ("principal", "action", "resource"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise InputError(f"request field {key!r} is required and must be a non-empty string")
    resource_account = data.get("resource_account")
    if resource_account is not None and not isinstance(resource_account, str):
        raise InputError("request field 'resource_account' must be a string")
    if resource_account is not None and not _is_account_id(resource_account):
        raise InputError("request field 'resource_account' must be a 12-digit AWS account id")
    pattern = data.get("resource_is_pattern")
    if pattern is not None and not isinstance(pattern, bool):
        raise InputError("request field 'resource_is_pattern' must be true or false")
    return Request(
        principal_arn=data["principal"],
        action=data["action"],
        resource=data["resource"],
        resource_account=resource_account,
        context=_context(data.get("context", {})),
        resource_is_pattern=_is_pattern(data["resource"]) if pattern is None else pattern,
    )


def _policy_set(data: Mapping[str, Any], parsed: ParseCache | None = None) -> PolicySet:
    return PolicySet(
        identity=_policy_list(data, "identity_policies", parsed),
        permission_boundaries=_policy_list(data, "permission_boundaries", parsed),
        scps=_levels(data, "scps", parsed),
        rcps=_levels(data, "rcps", parsed),
        resource_policy=_optional_policy(data, "resource_policy", parsed),
        session_policy=_optional_policy(data, "session_policy", parsed),
        principal_in_management_account=_flag(data, "principal_in_management_account"),
        resource_in_management_account=_flag(data, "resource_in_management_account"),
        complete=True,
    )


def _is_pattern(resource: str) -> bool:
    """A resource with `*`/`?` asks about every resource it matches ("on anything"); a real
    request never carries one, except `*` for actions without resource types, which the
    evaluator reads literally."""
    return "*" in resource or "?" in resource


def _context(value: Any) -> dict[str, str | list[str]]:
    if not isinstance(value, dict):
        raise InputError("request field 'context' must be an object of key -> value(s)")
    if all(type(item) is str for item in value.values()):
        return dict(value)  # what the loop below makes of plain strings, without the loop
    context: dict[str, str | list[str]] = {}
    for key, item in value.items():
        items = item if isinstance(item, list) else [item]
        if not all(isinstance(i, str | int | float | bool) for i in items):
            raise InputError(f"context value of {key!r} must be a string, number, boolean or list")
        context[key] = [_scalar(i) for i in item] if isinstance(item, list) else _scalar(item)
    return context


def _scalar(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _parse(document: Any, name: str, parsed: ParseCache | None = None) -> Policy:
    if not isinstance(document, dict | str):
        raise InputError(f"{name} must be a policy document (a JSON object)")
    if parsed is None:
        return _parse_new(document, name)
    key = (name, _document_key(document))
    found = parsed.get(key)
    if found is None:
        found = _parse_new(document, name)
        if len(parsed) >= _MAX_PARSED:
            parsed.clear()
        parsed[key] = found
    return found


def _parse_new(document: dict[str, Any] | str, name: str) -> Policy:
    # A resource policy of a service other than IAM may repeat a Sid (S3 stores that).
    return parse_policy(document, name=name, unique_sids=name != "resource_policy")


def _policy_list(
    data: Mapping[str, Any], key: str, parsed: ParseCache | None = None
) -> list[Policy]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise InputError(f"request field {key!r} must be a list of policy documents")
    if not value:
        return []
    if parsed is None:
        return [_parse(doc, f"{key}[{i}]") for i, doc in enumerate(value)]
    return _field(
        parsed, key, value, lambda: [_parse(d, f"{key}[{i}]", parsed) for i, d in enumerate(value)]
    )


def _field(parsed: ParseCache, key: str, value: list[Any], parse: Callable[[], Any]) -> Any:
    """A list field parsed once per bulk file (a hit is a value parsed without error before)."""
    field_key = (key, _document_key(value))
    found = parsed.get(field_key)
    if found is None:
        found = parse()
        if len(parsed) >= _MAX_PARSED:
            parsed.clear()
        parsed[field_key] = found
    return found


def _levels(
    data: Mapping[str, Any], key: str, parsed: ParseCache | None = None
) -> list[list[Policy]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(level, list) for level in value):
        raise InputError(f"request field {key!r} must be a list of levels (lists), root first")

    def parse() -> list[list[Policy]]:
        return [
            [_parse(doc, f"{key}[{depth}][{i}]", parsed) for i, doc in enumerate(level)]
            for depth, level in enumerate(value)
        ]

    if not value:
        return []
    return parse() if parsed is None else _field(parsed, key, value, parse)


def _optional_policy(
    data: Mapping[str, Any], key: str, parsed: ParseCache | None = None
) -> Policy | None:
    value = data.get(key)
    return None if value is None else _parse(value, key, parsed)


def _flag(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise InputError(f"request field {key!r} must be true or false")
    return value


# --- the friendly form ------------------------------------------------------------------------


def _friendly_request(args: argparse.Namespace) -> tuple[Request, PolicySet]:
    if not args.action:
        raise InputError("say what to simulate: --action (with --policy or --principal)")
    if (args.snapshot or args.gaad) and not args.principal:
        raise InputError("--snapshot/--gaad need --principal ARN to know whose policies to use")
    if not (args.policy or args.snapshot or args.gaad or args.resource_policy):
        raise InputError("give the policies: --policy FILE, or --principal with --snapshot/--gaad")
    extra = [_policy_file(path) for path in args.policy]
    boundaries = [_policy_file(path) for path in args.boundary]
    resource_policy = _resource_policy_file(args.resource_policy) if args.resource_policy else None
    session_policy = _policy_file(args.session_policy) if args.session_policy else None
    principal = args.principal or _default_principal(args.resource, args.resource_account)

    identity: list[Policy] = list(extra)
    scps: list[list[Policy]] = []
    rcps: list[list[Policy]] = []
    context = _context_flags(args.context)
    in_management_account = False
    if args.snapshot or args.gaad:
        from bot.clicmd._common import gaad_snapshot, snapshot_file, utc_now  # noqa: PLC0415
        from bot.iam.principal_policies import (  # noqa: PLC0415
            policies_for_principal,
            scp_levels,
        )

        snapshot = (
            snapshot_file(args.snapshot)
            if args.snapshot
            else gaad_snapshot(args.gaad, credential_report_path=None, now=utc_now())
        )
        found = policies_for_principal(snapshot, principal)
        identity = [*found.identity, *extra]
        boundaries = [*found.permission_boundaries, *boundaries]
        # The SCPs a snapshot holds (`iam-audit snapshot` of a member account read from the
        # management account, or with --scps): AWS applies them to the principal's calls.
        scps = scp_levels(snapshot)
        in_management_account = bool(snapshot.is_management_account)
        if _own_resource(snapshot.account_id, args.resource, args.resource_account):
            rcps, context = _snapshot_rcps(snapshot, principal, context)
        if resource_policy is None:
            resource_policy = _trust_policy(snapshot, args.action, args.resource)
    request = Request(
        principal_arn=principal,
        action=args.action,
        resource=args.resource,
        resource_account=args.resource_account,
        context=context,
        resource_is_pattern=_is_pattern(args.resource),
    )
    policies = PolicySet(
        identity=identity,
        permission_boundaries=boundaries,
        resource_policy=resource_policy,
        session_policy=session_policy,
        scps=scps,
        rcps=rcps,
        principal_in_management_account=in_management_account,
        resource_in_management_account=in_management_account,
        complete=True,
    )
    return request, policies


def _own_resource(account_id: str, resource: str, resource_account: str | None) -> bool:
    """Whether the resource is the snapshot account's: its RCPs guard only those. A resource
    whose ARN names no account (an S3 bucket, `*`) is taken to be, as the evaluator does."""
    if resource_account:
        return resource_account == account_id
    parts = resource.split(":", 5)
    return len(parts) < 6 or parts[4] in ("", account_id)


def _snapshot_rcps(
    snapshot: Any, principal: str, context: dict[str, str | list[str]]
) -> tuple[list[list[Policy]], dict[str, str | list[str]]]:
    """The snapshot's RCPs and the request context to judge them with, when the snapshot knows
    its organization: they are written against callers outside it (``aws:PrincipalOrgID``), so
    the account's own principals carry its id (unless --context gives one). Without the id,
    every RCP of AWS's examples would read the account's own principals as outsiders: the RCPs
    are then left out, and said so."""
    from bot.iam.principal_policies import rcp_levels  # noqa: PLC0415

    if not snapshot.resource_control_policies:
        return [], context
    organization = snapshot.organization_id
    if not organization:
        note(
            "the snapshot's RCPs are not applied: its organization id is unknown (a snapshot "
            "read live by the management account or a delegated administrator has it)"
        )
        return [], context
    parts = principal.split(":", 5)
    own = len(parts) == 6 and parts[4] == snapshot.account_id
    if own and not any(key.lower() == "aws:principalorgid" for key in context):
        context = {**context, "aws:PrincipalOrgID": organization}
    return rcp_levels(snapshot), context


def _policy_file(path: str) -> Policy:
    text = read_text_file(path, what="policy file")
    return parse_policy(refuse_unsafe_json(text, what="policy file", path=path), name=path)


def _resource_policy_file(path: str) -> Policy:
    """A resource policy file: read like any policy file, except that a repeated Sid is kept
    (S3 stores bucket policies whose statements share a Sid; IAM refuses them)."""
    try:
        return _policy_file(path)
    except PolicyParseError as exc:
        if not all(reason.startswith(REPEATED_SID) for reason in exc.reasons):
            raise
    return parse_policy(read_text_file(path, what="policy file"), name=path, unique_sids=False)


def _default_principal(resource: str, resource_account: str | None) -> str:
    parts = resource.split(":")
    # Only a real account owns a resource: `aws` (AWS managed policies) or none means ours.
    owner = parts[4] if len(parts) > 5 and parts[4].isdigit() and len(parts[4]) == 12 else ""
    account = resource_account or owner or DEFAULT_ACCOUNT
    return f"arn:aws:iam::{account}:user/{DEFAULT_USER}"


def _trust_policy(snapshot: Any, action: str, resource: str) -> Policy | None:
    """For sts:AssumeRole* on a role of the snapshot, its trust policy is the resource policy."""
    if not action.lower().startswith("sts:assumerole"):
        return None
    role = next((r for r in snapshot.roles if r.arn == resource), None)
    if role is None or not role.trust_policy:
        return None
    return parse_policy(role.trust_policy, name=f"role/{role.name}/trust-policy")


def _context_flags(pairs: Sequence[str]) -> dict[str, str | list[str]]:
    """``--context k=v`` flags; a key given twice becomes a multi-valued key."""
    context: dict[str, str | list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--context takes KEY=VALUE, got {pair!r}")
        key = key.strip()
        if key in context:
            previous = context[key]
            context[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            context[key] = value
    return context


# --- text output -----------------------------------------------------------------------------


def render_text(request: Request, decision: Decision, traces: Sequence[StatementTrace]) -> str:
    """One screen: the decision, the statements that decided it, why the others did not."""
    headline = decision.decision.replace("_", " ").upper()
    lines = [
        f"Decision: {headline}",
        f"  principal  {request.principal_arn}",
        f"  action     {request.action}",
        f"  resource   {request.resource}",
        f"Why: {decision.reason}",
    ]
    if "carries none" in decision.reason:
        lines.append("Hint: give the key policy or trust policy with --resource-policy FILE")
    if asks_about_a_set(request):
        lines.append(
            "  (a resource pattern: allowed means allowed on some resource it matches; a Deny"
            " counts only where it covers all of them)"
        )
    if request.context:
        shown = (
            f"{key}={value}" if isinstance(value, str) else f"{key}=[{', '.join(value)}]"
            for key, value in request.context.items()
        )
        lines.append("Context: " + ", ".join(shown))
    deciding = {(m.kind, m.policy, m.statement) for m in decision.matched}
    if decision.matched:
        lines.append("")
        lines.append(
            "Statements that decided it:"
            if decision.allowed or decision.decision == "explicit_deny"
            else "Statements that matched:"
        )
        for m in decision.matched:
            lines.append(f"  {m.effect:<5}  {m.kind:<19}  {m.policy}  statement {m.statement}")
    others = [t for t in traces if (t.kind, t.policy, t.statement) not in deciding]
    if others:
        lines.append("")
        lines.append("Other statements:")
        for trace in others[:_MAX_OTHER_LINES]:
            lines.append(
                f"  {trace.effect:<5}  {trace.kind:<19}  {trace.policy}  statement "
                f"{trace.statement}: {trace.why}"
            )
        if len(others) > _MAX_OTHER_LINES:
            lines.append(f"  ... and {len(others) - _MAX_OTHER_LINES} more")
    return "\n".join(lines) + "\n"
