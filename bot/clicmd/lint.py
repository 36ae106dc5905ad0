"""`iam-audit lint FILE...`: lint IAM policy documents (for people and for CI).

Each file is linted on its own: one that is read but is not a valid policy (bad JSON, not UTF-8
text) is a MALFORMED finding like any other; one that cannot be read at all (missing, a
directory, no permission) is reported for that file, the others are still linted, and the exit
status is 2. Without --type each file's policy type is detected and the output says which.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.audit.findings import SEVERITIES_WORST_FIRST, Severity
from bot.clicmd._common import (
    STDIO,
    add_aws_options,
    add_format_option,
    add_output_option,
    note,
    read_bounded,
    remember_input,
    severity_arg,
    stdin_bytes,
    write_output,
)
from bot.iam.lint_document import RESOURCE_TYPES
from bot.iam.lint_model import MALFORMED, POLICY_TYPES, LintFinding, finding
from bot.model.errors import InputError
from bot.model.safe_parse import UnsafeInput, parse_json
from bot.render.grammar import plural

NAME = "lint"
HELP = "lint IAM policy documents: malformed, unknown actions, resource mismatches, lock-outs"
FORMATS = ("text", "json")
SCHEMA = "iam-audit/lint/1"
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
DEFAULT_FAIL_ON = Severity.MEDIUM


@dataclass(frozen=True, slots=True)
class FileResult:
    file: str
    findings: tuple[LintFinding, ...]
    policy_type: str = "identity"
    detected: str | None = None  # why the type was assumed, when --type was not given
    error: str | None = None  # the file could not be read at all


EXAMPLES = """\
examples:
  iam-audit lint policies/mfa-self-service-enforce.json
  iam-audit lint --type trust trust-policy.json
  iam-audit lint --resource-type AWS::S3::Bucket bucket-policy.json
  iam-audit lint --fail-on high --format json my-policies/*.json
  aws iam get-policy-version --policy-arn ARN --version-id v1 \\
      --query PolicyVersion.Document --output json | iam-audit lint -

exit status: 0 nothing at or above --fail-on, 1 a finding at or above it, 2 bad usage or a
file that could not be read (the other files are still linted)
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter  # keep the examples' lines
    parser.epilog = EXAMPLES
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="policy JSON file(s); '-' reads standard input"
    )
    add_format_option(parser, FORMATS)
    parser.add_argument(
        "--fail-on",
        type=severity_arg,
        default=DEFAULT_FAIL_ON,
        metavar="SEVERITY",
        help="exit 1 when a finding is at or above this severity"
        f" (default: {DEFAULT_FAIL_ON.value})",
    )
    parser.add_argument(
        "--type",
        dest="policy_type",
        choices=POLICY_TYPES,
        default=None,
        help="kind of policy, which decides e.g. whether Principal is required (default: detected"
        " per file: Principal + sts:AssumeRole* and no Resource = trust, Principal + Resource ="
        " resource, no Principal = identity; the output says which was assumed)",
    )
    parser.add_argument(
        "--resource-type",
        choices=tuple(RESOURCE_TYPES),
        default=None,
        metavar="TYPE",
        help="for a resource policy, the resource it is attached to (e.g. AWS::S3::Bucket):"
        " enables the checks that need it (foreign actions and ARNs, the size quota). One of: "
        + ", ".join(RESOURCE_TYPES),
    )
    parser.add_argument(
        "--capabilities",
        action="store_true",
        help="also report what each policy lets its holder do: privilege escalation (the"
        " engine's catalogue), credentials exposure, permissions management (Parliament's"
        " community auditors)",
    )
    parser.add_argument(
        "--sensitive",
        action="append",
        type=sensitive_arg,
        default=[],
        metavar="ACTION=ARN",
        help="report any statement allowing ACTION on a resource matching ARN (repeatable; e.g."
        " 's3:GetObject=arn:aws:s3:::secret*')",
    )
    add_output_option(parser)
    parser.add_argument(
        "--aws-validate",
        action="store_true",
        help="also ask IAM Access Analyzer ValidatePolicy (needs AWS credentials) and merge its"
        " findings, de-duplicated; falls back to the local linter alone, and says so",
    )
    add_aws_options(parser)


def run(args: argparse.Namespace) -> int:
    from bot.iam.catalogue import default_catalogue  # noqa: PLC0415 - keeps CLI start fast

    if list(args.files).count(STDIO) > 1:
        raise InputError("standard input ('-') can be linted only once")
    texts = [(path, _read(path)) for path in args.files]
    catalogue = default_catalogue()
    results = [
        _lint_file("<stdin>" if path == STDIO else path, text, catalogue, args)
        for path, text in texts
    ]
    validation = None
    if args.aws_validate:
        results, validation = _with_aws_validation(results, texts, args)
    if args.format == "json":
        rendered = render_json(results, catalogue.version, args.policy_type)
    else:
        rendered = render_text(results, catalogue.version)
    if validation is not None:
        rendered = _note_validation(rendered, args.format, validation)
    write_output(rendered, args.output)
    unreadable = [r for r in results if r.error is not None]
    for result in unreadable:
        note(f"error: policy file {result.file} {result.error}")
    if unreadable:
        return EXIT_USAGE
    return exit_code(results, args.fail_on)


@dataclass(frozen=True, slots=True)
class _Read:
    """A file's text, or why it is not text (a finding), or why it could not be read."""

    text: str | None = None
    not_text: str | None = None
    error: str | None = None


def _read(path: str) -> _Read:
    """Standard input is read as a file is (bytes, then UTF-8); ``error`` is the reason alone:
    run() names the file."""
    if path != STDIO:
        remember_input(path)
    try:
        if path == STDIO:
            data = stdin_bytes(what="policy file")
        else:
            with Path(path).open("rb") as stream:
                data = read_bounded(stream)
    except InputError as exc:  # standard input closed or unreadable
        return _Read(error=str(exc).removeprefix("policy file standard input "))
    except FileNotFoundError:
        return _Read(error="not found")
    except IsADirectoryError:
        return _Read(error="is a directory, not a file")
    except PermissionError:
        return _Read(error="cannot be read: permission denied")
    except OSError as exc:
        return _Read(error=f"cannot be read: {exc.strerror or exc}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return _Read(
            not_text=f"not UTF-8 text (byte {exc.start} cannot be decoded): a policy is JSON,"
            " which is UTF-8"
        )
    try:
        parse_json(text)
    except json.JSONDecodeError:
        pass  # a MALFORMED finding, which the linter words itself
    except UnsafeInput as exc:  # nested too deeply or a giant number: this file only
        return _Read(error=f"cannot be used: {exc}")
    return _Read(text=text)


def _lint_file(name: str, read: _Read, catalogue: Any, args: argparse.Namespace) -> FileResult:
    from bot.iam.lint_detect import detect_policy_type  # noqa: PLC0415 - keeps CLI start fast
    from bot.iam.linter import lint_policy  # noqa: PLC0415

    if read.error is not None:
        return FileResult(name, (), error=read.error)
    if read.not_text is not None:
        return FileResult(name, (finding(MALFORMED, None, read.not_text, {}),))
    assert read.text is not None
    policy_type, detected = args.policy_type, None
    if policy_type is None:
        guess = detect_policy_type(read.text, resource_type=args.resource_type)
        policy_type, detected = guess.policy_type, guess.reason
    findings = lint_policy(
        read.text,
        catalogue=catalogue,
        policy_type=policy_type,
        resource_type=args.resource_type,
        capabilities=args.capabilities,
        sensitive=_sensitive_map(args.sensitive),
    )
    return FileResult(name, tuple(findings), policy_type, detected)


def _with_aws_validation(
    results: list[FileResult], texts: list[tuple[str, str]], args: argparse.Namespace
) -> tuple[list[FileResult], Any]:
    """Merge IAM Access Analyzer's ValidatePolicy findings in (bot.aws.validate_policy)."""
    from bot.aws.validate_policy import (  # noqa: PLC0415 - boto3 only when asked
        merge_lint_findings,
        session_client_maker,
        validate_documents,
    )

    named = [
        (result.file, read.text)
        for result, (_path, read) in zip(results, texts, strict=True)
        if read.text is not None
    ]
    types = {r.policy_type for r in results if r.error is None}
    policy_type = args.policy_type or (types.pop() if len(types) == 1 else "identity")
    validation = validate_documents(
        named, policy_type, make_client=session_client_maker(args.profile, args.region)
    )
    merged = [
        replace(r, findings=merge_lint_findings(r.findings, validation.findings.get(r.file, ())))
        for r in results
    ]
    return merged, validation


def _note_validation(rendered: str, output_format: str, validation: Any) -> str:
    """Say whether AWS's findings are in the output (merged) or not (local only, and why)."""
    if output_format == "json":
        document = json.loads(rendered)
        document["aws_validation"] = validation.to_dict()
        return json.dumps(document, indent=2) + "\n"
    return rendered + f"AWS validation: {validation.describe()}\n"


def exit_code(results: list[FileResult], fail_on: Severity) -> int:
    failing = any(f.severity.rank >= fail_on.rank for r in results for f in r.findings)
    return EXIT_FINDINGS if failing else EXIT_OK


def _counts(results: list[FileResult]) -> Counter[Severity]:
    return Counter(f.severity for r in results for f in r.findings)


def render_text(results: list[FileResult], catalogue_version: str) -> str:
    lines: list[str] = []
    for result in results:
        if result.error is not None:
            lines.append(f"{result.file}: ERROR: {result.error}; not linted")
            continue
        if result.detected is not None:
            lines.append(
                f"{result.file}: linted as {_article(result.policy_type)} {result.policy_type}"
                f" policy ({result.detected};"
                " use --type to say otherwise)"
            )
        if not result.findings:
            lines.append(f"{result.file}: no findings")
        for item in result.findings:
            where = "document" if item.statement is None else f"statement {item.statement}"
            lines.append(
                f"{result.file}: {where}: {item.severity.value.upper()} {item.code}: "
                + " ".join(item.message.split())
            )
    counts = _counts(results)
    total = sum(counts.values())
    by_severity = ", ".join(f"{counts[s]} {s.value}" for s in SEVERITIES_WORST_FIRST if counts[s])
    summary = f"{plural(len(results), 'file')}, {plural(total, 'finding')}"
    unread = sum(1 for r in results if r.error is not None)
    if unread:
        summary = (
            f"{plural(len(results), 'file')} ({unread} not readable), {plural(total, 'finding')}"
        )
    if by_severity:
        summary += f" ({by_severity})"
    lines.append(f"{summary}; IAM action data {catalogue_version}")
    return "\n".join(lines) + "\n"


def sensitive_arg(text: str) -> tuple[str, str]:
    """`--sensitive s3:GetObject=arn:aws:s3:::secret*` -> (action, resource pattern)."""
    action, sep, resource = text.partition("=")
    # "**" matches what "*" matches; a run of them made the action lookup backtrack for ever
    action, resource = _one_star(action.strip()), _one_star(resource.strip())
    if not sep or not resource:
        raise argparse.ArgumentTypeError(
            f"{text!r}: use ACTION=ARN, e.g. s3:GetObject=arn:aws:s3:::secret*"
        )
    if action.count(":") != 1 or not all(action.split(":")):
        raise argparse.ArgumentTypeError(f"{action!r} is not an action (service:Action)")
    if resource != "*" and not resource.startswith("arn:"):
        raise argparse.ArgumentTypeError(f"{resource!r} is not an ARN or '*'")
    return action, resource


def _one_star(pattern: str) -> str:
    return re.sub(r"\*{2,}", "*", pattern)


def _sensitive_map(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for action, resource in pairs:
        grouped.setdefault(action, []).append(resource)
    return grouped


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def render_json(results: list[FileResult], catalogue_version: str, policy_type: str | None) -> str:
    counts = _counts(results)
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "catalogue_version": catalogue_version,
        "policy_type": policy_type or "detected",
        "files": [
            {
                "file": r.file,
                "policy_type": r.policy_type,
                "policy_type_detected": r.detected,
                "error": r.error,
                "findings": [{"file": r.file, **f.to_dict()} for f in r.findings],
            }
            for r in results
        ],
        "summary": {
            "files": len(results),
            "unreadable": sum(1 for r in results if r.error is not None),
            "findings": sum(counts.values()),
            "by_severity": {s.value: counts[s] for s in SEVERITIES_WORST_FIRST},
        },
    }
    return json.dumps(document, indent=2) + "\n"
