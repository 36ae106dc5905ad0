"""`iam-audit lint FILE...`: lint IAM policy documents (for people and for CI).

A file that cannot be read is a usage error (exit 2) and nothing is linted; a file that is read
but is not a valid policy (bad JSON included) is a MALFORMED finding, like any other finding.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from bot.audit.findings import SEVERITIES_WORST_FIRST, Severity
from bot.clicmd._common import (
    STDIO,
    add_aws_options,
    add_format_option,
    add_output_option,
    read_text_file,
    severity_arg,
    write_output,
)
from bot.errors import InputError
from bot.iam.lint_model import POLICY_TYPES, LintFinding
from bot.render.grammar import plural

NAME = "lint"
HELP = "lint IAM policy documents: malformed, unknown actions, resource mismatches, lock-outs"
FORMATS = ("text", "json")
SCHEMA = "iam-audit/lint/1"
EXIT_OK = 0
EXIT_FINDINGS = 1
DEFAULT_FAIL_ON = Severity.MEDIUM


@dataclass(frozen=True, slots=True)
class FileResult:
    file: str
    findings: tuple[LintFinding, ...]


EXAMPLES = """\
examples:
  iam-audit lint policies/mfa-self-service-enforce.json
  iam-audit lint --type trust trust-policy.json
  iam-audit lint --fail-on high --format json my-policies/*.json
  aws iam get-policy-version --policy-arn ARN --version-id v1 \\
      --query PolicyVersion.Document --output json | iam-audit lint -

exit status: 0 nothing at or above --fail-on, 1 a finding at or above it, 2 bad usage or a
missing file
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
        default="identity",
        help="kind of policy, which decides e.g. whether Principal is required (default: identity)",
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
    from bot.iam.linter import lint_policy  # noqa: PLC0415

    if list(args.files).count(STDIO) > 1:
        raise InputError("standard input ('-') can be linted only once")
    texts = [(path, read_text_file(path, what="policy file")) for path in args.files]
    catalogue = default_catalogue()
    results = [
        FileResult(
            "<stdin>" if path == STDIO else path,
            tuple(lint_policy(text, catalogue=catalogue, policy_type=args.policy_type)),
        )
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
    return exit_code(results, args.fail_on)


def _with_aws_validation(
    results: list[FileResult], texts: list[tuple[str, str]], args: argparse.Namespace
) -> tuple[list[FileResult], Any]:
    """Merge IAM Access Analyzer's ValidatePolicy findings in (bot.aws.validate_policy)."""
    from bot.aws.validate_policy import (  # noqa: PLC0415 - boto3 only when asked
        merge_lint_findings,
        session_client_maker,
        validate_documents,
    )

    named = [(result.file, text) for result, (_path, text) in zip(results, texts, strict=True)]
    validation = validate_documents(
        named, args.policy_type, make_client=session_client_maker(args.profile, args.region)
    )
    merged = [
        FileResult(r.file, merge_lint_findings(r.findings, validation.findings.get(r.file, ())))
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
    if by_severity:
        summary += f" ({by_severity})"
    lines.append(f"{summary}; IAM action data {catalogue_version}")
    return "\n".join(lines) + "\n"


def render_json(results: list[FileResult], catalogue_version: str, policy_type: str) -> str:
    counts = _counts(results)
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "catalogue_version": catalogue_version,
        "policy_type": policy_type,
        "files": [
            {"file": r.file, "findings": [{"file": r.file, **f.to_dict()} for f in r.findings]}
            for r in results
        ],
        "summary": {
            "files": len(results),
            "findings": sum(counts.values()),
            "by_severity": {s.value: counts[s] for s in SEVERITIES_WORST_FIRST},
        },
    }
    return json.dumps(document, indent=2) + "\n"
