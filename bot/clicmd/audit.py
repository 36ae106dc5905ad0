"""`iam-audit audit`: collect or load a snapshot, run the checks, render the report."""

from __future__ import annotations

import argparse
import fnmatch
import logging
from dataclasses import replace
from datetime import datetime

from bot.audit.config import AuditConfig
from bot.audit.engine import gc_paused, run_audit
from bot.audit.findings import Severity
from bot.audit.registry import all_checks
from bot.audit.report import Report
from bot.clicmd._common import (
    add_aws_options,
    add_color_option,
    add_config_option,
    add_format_option,
    add_output_option,
    demo_snapshot,
    gaad_snapshot,
    live_snapshot,
    load_config,
    note,
    read_json_file,
    severity_arg,
    snapshot_file,
    use_color,
    utc_now,
    write_json_chunks,
    write_output,
)
from bot.clicmd._progress import Progress, terminal_progress
from bot.model.errors import InputError
from bot.model.snapshot import AccountSnapshot
from bot.render import FORMATS, RenderOptions, render
from bot.render.grammar import plural
from bot.render.json_report import json_chunks

NAME = "audit"
HELP = "audit an account's IAM (live, --demo, --snapshot or --gaad) and print the report"

EXIT_OK = 0
EXIT_FINDINGS = 1

log = logging.getLogger(__name__)


EXAMPLES = """\
examples:
  iam-audit audit --demo                              try it on the built-in demo account
  iam-audit audit --profile prod --fail-on high       CI gate: exit 1 on a high or critical finding
  iam-audit audit --demo --format sarif -o iam.sarif  for GitHub code scanning
  iam-audit audit --demo --min-severity high --checks root.mfa_disabled,user.inactive
  iam-audit audit --snapshot snap.json --config iam-audit.toml   offline, with suppressions
  iam-audit audit --gaad gaad.json --credential-report report.csv
      gaad.json:  aws iam get-account-authorization-details --output json > gaad.json
      report.csv: aws iam get-credential-report --query Content --output text \\
          | base64 -d > report.csv

exit status: 0 ran, 1 a finding at or above --fail-on, 2 bad usage or input
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter  # keep the examples' lines
    parser.epilog = EXAMPLES
    source = parser.add_argument_group(
        "input (default: the live account of the AWS credential chain)"
    ).add_mutually_exclusive_group()
    source.add_argument(
        "--demo", action="store_true", help="audit the built-in demo account (no AWS needed)"
    )
    source.add_argument(
        "--snapshot", metavar="FILE", help="audit a snapshot written by `iam-audit snapshot`"
    )
    source.add_argument(
        "--gaad",
        metavar="FILE",
        help="audit the JSON of `aws iam get-account-authorization-details`",
    )
    parser.add_argument(
        "--credential-report",
        metavar="CSV",
        help="with --gaad: the decoded credential report CSV (`aws iam get-credential-report`)",
    )
    parser.add_argument(
        "--scps",
        metavar="FILE",
        help="the service control policies over the account, root first (JSON: a list of "
        "levels, each a list of policy documents; see README): findings then leave out what "
        "they refuse",
    )
    parser.add_argument(
        "--rcps",
        metavar="FILE",
        help="the resource control policies over the account, root first (the --scps file's "
        "shape): role trusts they close to outsiders are then not reported as open",
    )
    add_format_option(parser, FORMATS)
    add_output_option(parser)
    parser.add_argument(
        "--min-severity",
        type=severity_arg,
        metavar="SEVERITY",
        help="show only findings at or above this severity (critical, high, medium, low, info)",
    )
    parser.add_argument(
        "--fail-on",
        type=severity_arg,
        metavar="SEVERITY",
        help="exit 1 when an unmuted finding is at or above this severity (for CI)",
    )
    parser.add_argument(
        "--checks", metavar="ID,...", help="run only these check ids (comma-separated)"
    )
    parser.add_argument(
        "--sarif-artifact",
        metavar="PATH",
        help="with --format sarif: repository file to attach every result to "
        "(default: a per-resource path iam/<account>/<resource>)",
    )
    add_color_option(parser)
    add_config_option(parser)
    add_aws_options(parser)
    add_account_options(parser)
    add_last_accessed_options(parser)


def add_last_accessed_options(parser: argparse.ArgumentParser) -> None:
    """``--last-accessed``: IAM's service last-accessed data, for principal.unused_services."""
    from bot.clicmd._last_accessed import add_options  # noqa: PLC0415

    add_options(parser)


def add_account_options(parser: argparse.ArgumentParser) -> None:
    """``--accounts all|ID,...``: audit many accounts through their member role."""
    group = parser.add_argument_group("many accounts (AWS Organizations)")
    group.add_argument(
        "--accounts",
        metavar="all|ID,...",
        help="audit these accounts (or every ACTIVE account of the organization) by assuming"
        " --org-role in each; one report per account plus a summary",
    )
    group.add_argument(
        "--org-role",
        metavar="NAME",
        default=None,
        help="role name to assume in each account (default: IAM_AUDIT_ORG_ROLE or"
        " iam-audit-member)",
    )
    group.add_argument(
        "--external-id",
        metavar="ID",
        default=None,
        help="sts:ExternalId the member role's trust policy requires (default:"
        " IAM_AUDIT_EXTERNAL_ID)",
    )
    group.add_argument(
        "--max-workers",
        type=max_workers_arg,
        metavar="N",
        default=None,
        help=f"accounts audited at once, 1-{MAX_ACCOUNT_WORKERS} (default:"
        " IAM_AUDIT_ACCOUNT_WORKERS or 8)",
    )


# bot.aws.organizations.MAX_WORKERS_LIMIT, which fan_out enforces (not imported: boto3 would load
# with the parser).
MAX_ACCOUNT_WORKERS = 64


def max_workers_arg(text: str) -> int:
    """argparse ``type=`` for --max-workers: refused while parsing, naming the option, rather
    than ignored (no --accounts) or refused by fan_out once the AWS session is built."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text[:40]!r}") from None
    if not 1 <= value <= MAX_ACCOUNT_WORKERS:
        raise argparse.ArgumentTypeError(
            f"max workers must be between 1 and {MAX_ACCOUNT_WORKERS}, got {value}"
        )
    return value


def run(args: argparse.Namespace) -> int:
    only = parse_check_ids(args.checks)
    if args.credential_report and not args.gaad:
        raise InputError("--credential-report only applies together with --gaad FILE")
    if args.sarif_artifact and args.format != "sarif":
        raise InputError("--sarif-artifact only applies to --format sarif")
    if args.sarif_artifact and not args.sarif_artifact.strip():
        raise InputError("--sarif-artifact is blank: give the repository path of a file")
    if getattr(args, "accounts", None) is None:
        # Ignored without --accounts: a CI job that set them would believe they were used.
        for option in ("org_role", "external_id", "max_workers"):
            if getattr(args, option, None) is not None:
                flag = "--" + option.replace("_", "-")
                raise InputError(f"{flag} only applies together with --accounts all|ID,...")
    for option in ("scps", "rcps"):
        if getattr(args, option, None) and getattr(args, "accounts", None) is not None:
            kind = option[:-1].upper()
            raise InputError(
                f"--{option} describes one account; with --accounts each member's {kind}s are "
                "read through the organization's hub account"
            )
    config = load_config(args.config)
    now = utc_now()
    for message in expired_suppressions(config, now, args.config or "the config file"):
        note(message)
    # `is not None`: an empty --accounts (an empty $ACCOUNTS in CI) is refused by run_accounts,
    # never read as "no --accounts" (which audits the one account of the input or credentials).
    if getattr(args, "accounts", None) is not None:
        from bot.clicmd._accounts import run_accounts  # noqa: PLC0415 - boto3 when used

        return run_accounts(args, config=config, only=only, now=now)
    # Loading, auditing and rendering a big account: see engine. The process ends after it.
    with gc_paused(promote=True):
        return _audit_and_render(args, config=config, only=only, now=now)


def _wants_last_accessed(args: argparse.Namespace) -> bool:
    """Asked for, or the demo account read live: its usage data costs no AWS call, so the demo
    runs every check (principal.unused_services included)."""
    if getattr(args, "last_accessed", False):
        return True
    return bool(getattr(args, "demo", False) and not args.snapshot and not args.gaad)


def _audit_and_render(
    args: argparse.Namespace, *, config: AuditConfig, only: list[str] | None, now: datetime
) -> int:
    with terminal_progress(verbose=getattr(args, "verbose", 0)) as progress:
        progress.stage("collecting the account's IAM data")
        snapshot = load_snapshot(args, now=now, progress=progress)
        if _wants_last_accessed(args):
            from bot.clicmd._last_accessed import with_last_accessed  # noqa: PLC0415 - boto3

            progress.stage("reading the service last-accessed data")
            snapshot = with_last_accessed(args, snapshot)
        checks = len(only) if only else len(all_checks())
        progress.stage(f"running {plural(checks, 'check')}")
        report = run_audit(snapshot, config=config, now=now, only=only)
        progress.stage(f"writing the {args.format} report")
        catalogue = {check_id: check.meta for check_id, check in all_checks().items()}
        shown = report.filtered(args.min_severity) if args.min_severity else report
        options = RenderOptions(
            color=args.format == "text" and use_color(args.color, output=args.output),
            min_severity=args.min_severity,
            hidden_findings=len(report.findings) - len(shown.findings),
            artifact_uri=args.sarif_artifact,
            totals=report.summary() if args.min_severity else None,
        )
        # JSON (options do not change it) goes out piece by piece: see write_json_chunks.
        rendered = (
            json_chunks(shown)
            if args.format == "json"
            else render(shown, args.format, catalogue, options=options)
        )
    for message in idle_suppressions(config, report, now):
        note(message)
    if isinstance(rendered, str):
        write_output(rendered, args.output, color=options.color)
    else:
        write_json_chunks(rendered, args.output)
    if args.format != "text" or args.output not in (None, "-"):
        note(status_line(report, shown, args.output))
    return exit_code(report, args.fail_on)


def expired_suppressions(config: AuditConfig, now: datetime, source: str) -> list[str]:
    """One line per suppression past its expiry: it mutes nothing any more, and a user who
    finds the finding back in the report should learn why from the tool, not from git blame."""
    return [
        f"suppression of {rule.check} on {rule.resource} expired on"
        f" {rule.expires.isoformat()} ({rule.reason}): its findings are reported again;"
        f" renew or remove it in {source}"
        for rule in config.suppressions
        if rule.expires is not None and not rule.is_active(now)
    ]


def idle_suppressions(config: AuditConfig, report: Report, now: datetime) -> list[str]:
    """One line per active suppression that muted nothing although its check ran: the problem
    was fixed (time to delete the rule) or the ARN pattern has a typo (the finding is not muted
    and the user is left wondering why)."""
    messages = []
    for rule in config.suppressions:
        if not rule.is_active(now):
            continue
        if not any(fnmatch.fnmatchcase(check_id, rule.check) for check_id in report.checks):
            continue  # its check did not run (--checks, or its data is missing)
        if any(
            fnmatch.fnmatchcase(muted.check_id, rule.check)
            and fnmatch.fnmatchcase(muted.resource_arn, rule.resource)
            for muted in report.suppressed
        ):
            continue
        messages.append(
            f"suppression of {rule.check} on {rule.resource} muted nothing in this audit: the"
            " finding is gone (delete the rule) or the resource pattern does not match its ARN"
        )
    return messages


def parse_check_ids(text: str | None) -> list[str] | None:
    """``--checks a.b,c.d`` as a list; unknown ids are refused before any AWS call is made."""
    if text is None:
        return None
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not ids:
        raise InputError("--checks needs at least one check id")
    known = all_checks()
    unknown = [check_id for check_id in ids if check_id not in known]
    if unknown:
        raise InputError(
            f"unknown check id(s): {', '.join(unknown)} (see `iam-audit checks` for the list)"
        )
    return ids


def load_snapshot(
    args: argparse.Namespace, *, now: datetime, progress: Progress | None = None
) -> AccountSnapshot:
    snapshot = _source_snapshot(args, now=now, progress=progress)
    for kind in ("SCP", "RCP"):
        path = getattr(args, f"{kind.lower()}s", None)
        if path:
            snapshot = with_organization_policies_file(snapshot, path, kind)
    return snapshot


def with_organization_policies_file(
    snapshot: AccountSnapshot, path: str, kind: str
) -> AccountSnapshot:
    """The snapshot with the SCPs (or RCPs: ``kind``) of ``path`` in place of any it holds,
    and the management flag and organization id the file gives. A level of SCPs that allows
    nothing is warned about; RCPs only ever deny (RCPFullAWSAccess is attached everywhere and
    cannot be detached), so a level of Denies alone is what such a file holds."""
    from bot.iam.scp_file import (  # noqa: PLC0415
        nothing_allowed,
        organization_id_of,
        scp_levels_from_json,
    )

    what = f"{kind} file"
    data = read_json_file(path, what=what)
    levels, management = scp_levels_from_json(data, where=f"{what} {path}", kind=kind)
    log.info("applying %d level(s) of %ss from %s", len(levels), kind, path)
    if kind == "SCP":
        for depth in nothing_allowed(levels):
            note(
                f"{path}: no SCP of level {depth} allows anything, so every call of the "
                "account's principals is refused; list FullAWSAccess there if the organization "
                "has it"
            )
    field = "service_control_policies" if kind == "SCP" else "resource_control_policies"
    return replace(
        snapshot,
        **{field: levels},
        is_management_account=snapshot.is_management_account if management is None else management,
        organization_id=organization_id_of(data) or snapshot.organization_id,
    )


def _source_snapshot(
    args: argparse.Namespace, *, now: datetime, progress: Progress | None = None
) -> AccountSnapshot:
    if args.demo:
        log.info("auditing the built-in demo account")
        return demo_snapshot(now=now)
    if args.snapshot:
        log.info("auditing snapshot file %s", args.snapshot)
        return snapshot_file(args.snapshot)
    if args.gaad:
        log.info("auditing GAAD file %s", args.gaad)
        return gaad_snapshot(args.gaad, credential_report_path=args.credential_report, now=now)
    log.info("auditing the live account (profile=%s, region=%s)", args.profile, args.region)
    return live_snapshot(
        profile=args.profile,
        region=args.region,
        now=now,
        deadline=getattr(args, "deadline", None),
        progress=progress,
    )


def exit_code(report: Report, fail_on: Severity | None) -> int:
    """1 when an unmuted finding reaches ``fail_on`` (judged before --min-severity hides any)."""
    if fail_on is None:
        return EXIT_OK
    worst = report.worst_severity()
    return EXIT_FINDINGS if worst is not None and worst.rank >= fail_on.rank else EXIT_OK


def status_line(report: Report, shown: Report, output: str | None) -> str:
    where = "standard output" if output in (None, "-") else output
    hidden = len(report.findings) - len(shown.findings)
    parts = [
        f"{len(report.findings)} findings",
        *([f"{hidden} below --min-severity not shown"] if hidden else []),
        f"{len(report.suppressed)} muted",
        f"{len(report.checks)} checks ran",
        f"{len(report.skipped)} skipped",
        f"{len(report.errors)} errors",
    ]
    demo = " [DEMO DATA]" if report.is_demo else ""
    return f"report for account {report.account_id}{demo} written to {where}: " + ", ".join(parts)
