"""`iam-audit audit --accounts all|ID,...`: many accounts, one report each plus a summary."""

from __future__ import annotations

import argparse
import json
import os
import re
from datetime import datetime
from typing import Any

from bot.audit.config import AuditConfig
from bot.audit.registry import all_checks
from bot.clicmd._common import note, use_color, write_output
from bot.clicmd._progress import Progress, terminal_progress, watch_api_calls
from bot.model.errors import CollectionError, InputError
from bot.organizations.summary import MultiAccountReport, summary_text
from bot.render import RenderOptions, render

MULTI_FORMATS = ("text", "json", "markdown")
EXIT_OK = 0
EXIT_FINDINGS = 1


def run_accounts(
    args: argparse.Namespace,
    *,
    config: AuditConfig,
    only: list[str] | None,
    now: datetime,
) -> int:
    """Audit every account asked for; a failed account is reported, the others still are."""
    from bot.aws.organizations import (  # noqa: PLC0415 - boto3 only for this path
        DEFAULT_MAX_WORKERS,
        DEFAULT_ROLE_NAME,
        AssumeRoleOptions,
        parse_account_ids,
    )
    from bot.aws.session import make_session  # noqa: PLC0415
    from bot.organizations.pipeline import (  # noqa: PLC0415
        ALL_ACCOUNTS,
        MultiAccountOptions,
        audit_accounts,
        default_collector,
    )

    if args.demo or args.snapshot or args.gaad:
        raise InputError("--accounts audits live accounts; it cannot be combined with a file")
    if args.format not in MULTI_FORMATS:
        raise InputError(
            f"--accounts writes {', '.join(MULTI_FORMATS)}; --format {args.format} takes one"
            " account (run once per account)"
        )
    if args.accounts.strip().lower() != ALL_ACCOUNTS:
        parse_account_ids(args.accounts)  # an empty list or a typo: refused before any AWS call
    workers = (
        args.max_workers
        if args.max_workers is not None
        else _env_int("IAM_AUDIT_ACCOUNT_WORKERS", DEFAULT_MAX_WORKERS, low=1, high=64)
    )
    role = AssumeRoleOptions(
        role_name=args.org_role or os.environ.get("IAM_AUDIT_ORG_ROLE") or DEFAULT_ROLE_NAME,
        external_id=args.external_id or os.environ.get("IAM_AUDIT_EXTERNAL_ID", ""),
    )
    session = make_session(profile=args.profile, region=args.region)
    with terminal_progress(verbose=getattr(args, "verbose", 0)) as progress:
        progress.stage("finding the accounts")
        watch_api_calls(session, progress)

        def on_accounts(total: int) -> None:
            progress.accounts_total(total)
            progress.stage("collecting the accounts' IAM data")

        multi = audit_accounts(
            session,
            MultiAccountOptions(accounts=args.accounts, role=role, max_workers=workers, only=only),
            now=now,
            config=config,
            collect=counted(default_collector(now), progress),
            on_accounts=on_accounts,
        )
        progress.stage("writing the report")
        rendered = render_multi(multi, args)
    if not multi.reports and multi.failures:
        reasons = "; ".join(f"{f.account_id}: {f.message}" for f in multi.failures[:3])
        raise CollectionError(f"no account could be audited ({reasons})")
    color = args.format == "text" and use_color(args.color, output=args.output)
    write_output(rendered, args.output, color=color)
    for failure in multi.failures:
        note(f"account {failure.account_id} was not audited: {failure.message}")
    note(
        f"{len(multi.reports)} of {len(multi.accounts)} accounts audited,"
        f" {sum(multi.totals().values())} findings"
    )
    return exit_code(multi, args.fail_on)


def counted(collect: Any, progress: Progress) -> Any:
    """The collector, telling the progress display each account done (or failed)."""

    def collect_one(session: Any, account_id: str) -> Any:
        try:
            snapshot = collect(session, account_id)
        except Exception:
            progress.account_done(account_id, failed=True)
            raise
        progress.account_done(account_id, failed=False)
        return snapshot

    return collect_one


def render_multi(multi: MultiAccountReport, args: argparse.Namespace) -> str:
    """JSON: one document with every report; text/markdown: each report, then the summary."""
    if args.format == "json":
        shown = multi
        if args.min_severity:
            shown = MultiAccountReport(
                multi.generated_at,
                tuple(r.filtered(args.min_severity) for r in multi.reports),
                multi.failures,
            )
        return json.dumps(shown.to_dict(), indent=2, sort_keys=False) + "\n"
    catalogue = {check_id: check.meta for check_id, check in all_checks().items()}
    parts = []
    for report in multi.reports:
        shown = report.filtered(args.min_severity) if args.min_severity else report
        options = RenderOptions(
            color=args.format == "text" and use_color(args.color, output=args.output),
            min_severity=args.min_severity,
            hidden_findings=len(report.findings) - len(shown.findings),
        )
        parts.append(render(shown, args.format, catalogue, options=options))
    summary = summary_text(multi)
    if args.format == "markdown":
        fence = code_fence(summary)
        summary = f"## Summary across accounts\n\n{fence}\n{summary}{fence}\n"
    return "\n".join([*parts, summary])


def code_fence(text: str) -> str:
    """A Markdown code fence longer than any run of backticks in ``text``: a failure's message
    quotes AWS's error text, whose backticks must not close the block (CommonMark closes it
    only with a fence at least as long as the opening one)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def exit_code(multi: MultiAccountReport, fail_on) -> int:
    """1 when any account reaches --fail-on, or when an account could not be audited at all."""
    if fail_on is None:
        return EXIT_OK
    if multi.failures:
        return EXIT_FINDINGS
    worst = multi.worst_severity()
    return EXIT_FINDINGS if worst is not None and worst.rank >= fail_on.rank else EXIT_OK


def _env_int(name: str, default: int, *, low: int, high: int) -> int:
    """The variable's whole number, from ``low`` to ``high`` (refused before any AWS call, as
    --max-workers is, rather than by the fan-out once the session is built)."""
    raw = os.environ.get(name, "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"{name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise InputError(f"{name} must be between {low} and {high}, got {value}")
    return value
