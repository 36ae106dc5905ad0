"""`iam-audit rightsize` and `audit --last-accessed` through main(), on the demo account (its
usage data is answered in AWS's shapes by bot/aws/demo_usage.py; nothing leaves the process)."""

from __future__ import annotations

import json

from bot import cli


def test_rightsize_shows_the_proof_and_the_change(capsys) -> None:
    assert cli.main(["rightsize", "role/lambda-processor", "--demo"]) == 0
    out, err = capsys.readouterr()
    assert "Escalation paths: 1 -> 0 (removed: iam-001)" in out
    assert "stay allowed on the same resources" in out
    assert "iam:CreatePolicyVersion PolicyArn=" in out
    assert "version v1 is kept for undo" in out
    assert '-      "Action": [' in out  # the diff
    assert "AWS call(s)" in err


def test_rightsize_json_carries_the_remediation_parameters(capsys) -> None:
    assert cli.main(["rightsize", "user/kate.notaction", "--demo", "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["actionable"] is True
    proposal = body["proposal"]
    assert proposal["proof"]["holds"] is True
    assert proposal["proof"]["escalations_after"] == []
    (edit,) = proposal["edits"]
    actions = edit["new_document"]["Statement"][0]["Action"]
    assert "dynamodb:*" in actions
    assert not any(a.startswith("ec2:") for a in actions)


def test_a_young_principal_is_refused_with_exit_2(capsys) -> None:
    assert cli.main(["rightsize", "user/henry.new", "--demo"]) == 2
    err = capsys.readouterr().err
    assert "tracked henry.new for 3 days only" in err
    assert "Traceback" not in err


def test_service_linked_role_is_explained(capsys) -> None:
    assert cli.main(["rightsize", "role/AWSServiceRoleForSupport", "--demo"]) == 0
    assert "service-linked role" in capsys.readouterr().out


def test_bad_input_is_one_line(capsys) -> None:
    assert cli.main(["rightsize", "group/Admins", "--demo"]) == 2
    assert cli.main(["rightsize", "role/nobody", "--demo"]) == 2
    assert cli.main(["rightsize", "role/x", "--days", "0", "--demo"]) == 2
    err = capsys.readouterr().err
    assert "user or a role" in err
    assert "no IAM role named 'nobody'" in err
    assert "--days must be 1 to 400" in err


def test_audit_last_accessed_feeds_unused_services_and_reports_its_cost(capsys) -> None:
    code = cli.main(
        [
            "audit",
            "--demo",
            "--last-accessed",
            "--last-accessed-workers",
            "2",
            "--checks",
            "principal.unused_services",
            "--format",
            "json",
        ]
    )
    assert code == 0
    out, err = capsys.readouterr()
    findings = json.loads(out)["findings"]
    flagged = {f["resource_arn"].rsplit("/", 1)[-1] for f in findings}
    assert flagged == {"legacy-batch-role", "kate.notaction", "partner-audit-role"}
    assert "AWS calls, 2 at once" in err


def test_last_accessed_needs_a_live_or_demo_account(capsys, tmp_path) -> None:
    snap = tmp_path / "s.json"
    assert cli.main(["snapshot", "--demo", "-o", str(snap)]) == 0
    assert cli.main(["audit", "--snapshot", str(snap), "--last-accessed"]) == 2
    assert "--last-accessed reads the live account" in capsys.readouterr().err


def test_the_bot_reads_last_accessed_data_when_configured() -> None:
    """IAM_AUDIT_LAST_ACCESSED_WORKERS > 0: the bot's audits (and so its digest) have it."""
    from datetime import UTC, datetime

    from bot.config.settings import load_settings
    from bot.runtime.services import default_snapshot_source

    base = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s", "IAM_AUDIT_DEMO": "true"}
    now = datetime(2026, 11, 30, 10, tzinfo=UTC)
    off = default_snapshot_source(load_settings(base))(now)
    assert off.service_last_accessed is None
    on = default_snapshot_source(load_settings({**base, "IAM_AUDIT_LAST_ACCESSED_WORKERS": "2"}))(
        now
    )
    assert on.service_last_accessed is not None
    kate = next(u.arn for u in on.users if u.name == "kate.notaction")
    assert on.service_last_accessed[kate]["ec2"] == ""


def test_the_demo_audit_runs_every_check_usage_included(capsys) -> None:
    """`make demo` shows the whole catalogue: the demo's usage data costs no AWS call, so
    principal.unused_services runs without --last-accessed and nothing is skipped."""
    assert cli.main(["audit", "--demo", "--format", "json"]) in (0, 1)
    report = json.loads(capsys.readouterr().out)
    assert report["skipped"] == []
    assert any(f["check_id"] == "principal.unused_services" for f in report["findings"])
