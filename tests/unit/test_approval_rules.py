"""The approval state machine, authorization rules, catalogue and remediation plans (pure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.approvals.catalogue import load_catalogue
from bot.approvals.model import (
    ApprovalRequest,
    State,
    Target,
    TransitionRefused,
    already_decided,
    transition,
)
from bot.approvals.rules import (
    HOW_TO_CONFIGURE,
    ApprovalRules,
    People,
    parse_approval_rules,
    parse_slack_ids,
)
from bot.audit.findings import Finding, Severity
from bot.model.errors import InputError
from bot.remediation.fixes.role_trust import tighten_trust
from bot.remediation.registry import (
    all_remediations,
    get_remediation,
    params_for_finding,
    remediable_checks,
    required_iam_actions,
)
from tests import factories as f

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
NOBODY: object = lambda _user, _group: False  # noqa: E731 - a tiny membership oracle


def request(**changes: object) -> ApprovalRequest:
    base: dict[str, object] = {
        "id": "r1",
        "requester": "UREQ",
        "target": Target("user", "bob"),
        "change": {"remediation": "attach_policy", "params": {"target_name": "bob"}},
        "summary": "Attach policy x to user bob",
        "steps": ("iam:AttachUserPolicy",),
        "undo": "Detach it",
        "created_at": T0,
        "expires_at": T0 + timedelta(hours=24),
        "fingerprint": "f",
        "document": {"Version": "2012-10-17", "Statement": []},
    }
    base.update(changes)
    return ApprovalRequest(**base)  # type: ignore[arg-type]


RULES = ApprovalRules(approvers=People(frozenset({"UAPP", "UREQ"}), frozenset({"SADMINS"})))


# --- state machine -------------------------------------------------------------------------------


def test_happy_path_moves_pending_approved_applying_applied() -> None:
    r = request()
    r = transition(r, State.APPROVED, actor="UAPP", now=T0)
    r = transition(r, State.APPLYING, actor="bot", now=T0)
    r = transition(r, State.APPLIED, actor="bot", now=T0, outcome="done")
    assert r.state is State.APPLIED
    assert [d.state for d in r.decisions] == [State.APPROVED, State.APPLYING, State.APPLIED]
    assert r.approver == "UAPP"
    assert r.outcome == "done"


@pytest.mark.parametrize("final", [State.REJECTED, State.EXPIRED, State.CANCELLED])
def test_pending_can_end_without_applying(final: State) -> None:
    at = request().expires_at if final is State.EXPIRED else T0  # a lapse once its time is up
    r = transition(request(), final, actor="UAPP", now=at)
    assert r.state is final
    assert r.state.is_final
    with pytest.raises(TransitionRefused):
        transition(r, State.APPROVED, actor="UAPP", now=T0)


def test_second_approval_is_refused_with_who_and_when() -> None:
    approved = transition(request(), State.APPROVED, actor="UAPP", now=T0)
    with pytest.raises(TransitionRefused) as refused:
        transition(approved, State.APPROVED, actor="UOTHER", now=T0 + timedelta(minutes=1))
    text = str(refused.value)
    assert "already approved" in text
    assert "<@UAPP>" in text
    assert "2026-11-30T10:00:00" in text
    assert "nothing was changed" in text


def test_already_decided_after_apply_still_names_the_approver() -> None:
    r = transition(request(), State.APPROVED, actor="UAPP", now=T0)
    r = transition(r, State.APPLYING, actor="bot", now=T0)
    r = transition(r, State.APPLIED, actor="bot", now=T0)
    assert "already approved (now applied) by <@UAPP>" in already_decided(r)


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (State.PENDING, State.APPLYING),
        (State.PENDING, State.APPLIED),
        (State.APPROVED, State.REJECTED),
        (State.APPROVED, State.APPLIED),
        (State.APPLYING, State.PENDING),
    ],
)
def test_moves_outside_the_machine_are_refused(start: State, to: State) -> None:
    r = request(state=start)
    with pytest.raises(TransitionRefused):
        transition(r, to, actor="bot", now=T0)


def test_expired_request_cannot_be_approved_even_before_expiry_is_written() -> None:
    r = request()
    late = r.expires_at + timedelta(seconds=1)
    assert r.current_state(late) is State.EXPIRED
    with pytest.raises(TransitionRefused, match="expired"):
        transition(r, State.APPROVED, actor="UAPP", now=late)
    assert transition(r, State.EXPIRED, actor="bot", now=late).state is State.EXPIRED
    # one second before the deadline it is still approvable
    ok = transition(r, State.APPROVED, actor="UAPP", now=r.expires_at - timedelta(seconds=1))
    assert ok.state is State.APPROVED


def test_content_hash_covers_document_target_and_change_and_survives_json() -> None:
    r = request()
    assert len(r.content_hash) == 64
    assert request(document={"Statement": [1]}).content_hash != r.content_hash
    assert request(target=Target("user", "eve")).content_hash != r.content_hash
    assert request(summary="other words").content_hash == r.content_hash
    back = ApprovalRequest.from_json(transition(r, State.APPROVED, actor="U1", now=T0).to_json())
    assert back.content_hash == r.content_hash
    assert back.state is State.APPROVED
    assert back.decisions[0].actor == "U1"


# --- authorization -------------------------------------------------------------------------------


def test_no_approvers_means_nothing_can_be_requested_and_says_how_to_configure() -> None:
    rules = ApprovalRules()
    assert rules.request_refusal("U1", NOBODY) == HOW_TO_CONFIGURE  # type: ignore[arg-type]
    assert "IAM_AUDIT_APPROVERS" in HOW_TO_CONFIGURE
    refusal = rules.decision_refusal(request(), "U1", NOBODY, approving=True)  # type: ignore[arg-type]
    assert refusal == HOW_TO_CONFIGURE


def test_requesters_unset_means_anyone_may_request() -> None:
    assert RULES.request_refusal("UANYONE", NOBODY) is None  # type: ignore[arg-type]


def test_requesters_set_limits_who_may_request_by_user_or_group() -> None:
    rules = ApprovalRules(
        requesters=People(frozenset({"UDEV"}), frozenset({"SDEVS"})),
        approvers=People(frozenset({"UAPP"})),
    )
    in_group = lambda user, group: user == "UGRP" and group == "SDEVS"  # noqa: E731
    assert rules.request_refusal("UDEV", NOBODY) is None  # type: ignore[arg-type]
    assert rules.request_refusal("UGRP", in_group) is None
    assert "not allowed to request" in (rules.request_refusal("UOUT", in_group) or "")


def test_requester_never_approves_own_request_even_as_approver() -> None:
    refusal = RULES.decision_refusal(request(requester="UREQ"), "UREQ", NOBODY, approving=True)  # type: ignore[arg-type]
    assert refusal
    assert "your own request" in refusal


def test_non_approver_is_refused_and_group_member_is_accepted() -> None:
    r = request()
    assert "only the configured approvers" in (
        RULES.decision_refusal(r, "USTRANGER", NOBODY, approving=True) or ""  # type: ignore[arg-type]
    )
    member = lambda user, group: group == "SADMINS" and user == "UGROUPIE"  # noqa: E731
    assert RULES.decision_refusal(r, "UGROUPIE", member, approving=True) is None


def test_requester_may_withdraw_own_request() -> None:
    assert RULES.decision_refusal(request(), "UREQ", NOBODY, approving=False) is None  # type: ignore[arg-type]


def test_parse_rules_reads_env_and_reports_every_problem() -> None:
    problems: list[str] = []
    rules = parse_approval_rules(
        {
            "IAM_AUDIT_APPROVERS": "U123, S456",
            "IAM_AUDIT_REQUESTERS": "U789",
            "IAM_AUDIT_APPROVAL_CHANNEL": "C0SEC",
            "IAM_AUDIT_APPROVAL_TTL": "3600",
        },
        {},
        problems,
    )
    assert problems == []
    assert rules.approvers == People(frozenset({"U123"}), frozenset({"S456"}))
    assert rules.requesters.user_ids == frozenset({"U789"})
    assert rules.channel == "C0SEC"
    assert rules.ttl_seconds == 3600

    bad: list[str] = []
    parse_approval_rules(
        {"IAM_AUDIT_APPROVERS": "alice", "IAM_AUDIT_APPROVAL_CHANNEL": "#sec"},
        {"ttl_seconds": "soon", "colour": "red"},
        bad,
    )
    assert len(bad) == 4
    assert any("'alice'" in p for p in bad)
    assert any("#sec" in p for p in bad)
    assert any("TTL" in p for p in bad)
    assert any("colour" in p for p in bad)


@pytest.mark.parametrize("raw", ["U1AA, S2BB ,,W3CC", ["U1AA", " S2BB", "W3CC", ""]])
def test_slack_ids_from_a_string_or_a_list(raw: object) -> None:
    problems: list[str] = []
    users, groups = parse_slack_ids("IAM_AUDIT_ALLOW", raw, problems)
    assert (users, groups, problems) == (frozenset({"U1AA", "W3CC"}), frozenset({"S2BB"}), [])


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (42, "X must be a comma-separated string or a list of ids"),
        (["U1AA", 7], "X must be a comma-separated string or a list of ids"),
        ("U1AA,#ops", "X: '#ops' is neither a user id (U...) nor a user-group id (S...)"),
    ],
)
def test_slack_ids_name_every_bad_entry(raw: object, problem: str) -> None:
    problems: list[str] = []
    users, groups = parse_slack_ids("X", raw, problems)
    assert problems == [problem]
    assert groups == frozenset()
    assert users == (frozenset({"U1AA"}) if isinstance(raw, str) else frozenset())


def test_default_ttl_is_24_hours() -> None:
    assert parse_approval_rules({}, {}, []).ttl_seconds == 24 * 3600


# --- catalogue -----------------------------------------------------------------------------------


def test_shipped_catalogue_lists_documents_that_parse() -> None:
    catalogue = load_catalogue()
    assert "mfa-self-service-enforce" in catalogue.names()
    for name in catalogue.names():
        assert "Statement" in catalogue.document(name)
    with pytest.raises(InputError, match="no policy named 'nope'"):
        catalogue.get("nope")


def test_broken_catalogue_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no policy catalogue"):
        load_catalogue(tmp_path)
    (tmp_path / "catalogue.json").write_text("{not json")
    with pytest.raises(InputError, match="cannot be read"):
        load_catalogue(tmp_path)
    (tmp_path / "catalogue.json").write_text(json.dumps({"policies": [{"name": "x"}]}))
    with pytest.raises(InputError, match="needs a name and a file"):
        load_catalogue(tmp_path)
    (tmp_path / "catalogue.json").write_text(
        json.dumps({"policies": [{"name": "x", "file": "x.json"}]})
    )
    with pytest.raises(InputError, match="missing"):
        load_catalogue(tmp_path).document("x")


def test_catalogue_files_are_read_bounded(tmp_path: Path) -> None:
    """The catalogue and its policy files are an operator's directory: a device or a binary
    there is one clear error, not a read until memory runs out."""
    (tmp_path / "catalogue.json").symlink_to("/dev/zero")
    with pytest.raises(InputError, match=r"policy catalogue .* not valid JSON: it holds a NUL"):
        load_catalogue(tmp_path)
    (tmp_path / "catalogue.json").unlink()
    (tmp_path / "catalogue.json").write_text(
        json.dumps({"policies": [{"name": "x", "file": "x.json"}, {"name": "y", "file": "y.json"}]})
    )
    (tmp_path / "x.json").symlink_to("/dev/zero")
    (tmp_path / "y.json").write_bytes(b" " * (2 << 20))
    catalogue = load_catalogue(tmp_path)
    with pytest.raises(InputError, match=r"policy file of 'x' .* it holds a NUL byte"):
        catalogue.document("x")
    with pytest.raises(InputError, match=r"policy file of 'y' .* larger than 1 MB"):
        catalogue.document("y")


# --- remediation registry ------------------------------------------------------------------------

EXPECTED = {
    "deactivate_access_key",
    "activate_access_key",
    "delete_login_profile",
    "attach_policy",
    "detach_policy",
    "remove_user_from_group",
    "add_user_to_group",
    "update_role_trust",
    "enable_access_analyzer",
    "delete_analyzer",
    "delete_server_certificate",
    "archive_finding",
    "unarchive_finding",
    "rightsize_principal",
    "restore_rightsized_policies",
    "delete_policy",
}


def test_every_remediation_declares_calls_changes_undo_and_iam_actions() -> None:
    registry = all_remediations()
    assert set(registry) == EXPECTED
    for remediation in registry.values():
        assert remediation.changes
        assert remediation.undo
        assert remediation.title
        assert remediation.iam_actions, remediation.id
        # every AWS call it makes is covered by the IAM actions it declares
        assert set(remediation.aws_calls) <= set(remediation.iam_actions), remediation.id
    assert "iam:UpdateAccessKey" in required_iam_actions()


def test_remediate_buttons_cover_the_issue_list() -> None:
    checks = remediable_checks()
    for check in (
        "user.access_key_unused",
        "user.access_key_not_rotated",
        "user.password_unused",
        "user.console_without_mfa",
        "identity.aws_admin_attached",
        "principal.admin_equivalent",
        "role.trust_any_principal",
        "analyzer.disabled",
        "certificate.expired",
    ):
        assert check in checks


def finding(check: str, arn: str, **evidence: object) -> Finding:
    return Finding(check, Severity.HIGH, arn, "AwsIamUser", "t", "d", dict(evidence))


USER = "arn:aws:iam::123456789012:user/bob"


@pytest.mark.parametrize(
    ("item", "remediation", "plan_words", "undo_words"),
    [
        (
            finding("user.access_key_unused", USER + "#access_key_1", user="bob", key_slot=1),
            "deactivate_access_key",
            "Deactivate access key in slot 1 of user bob",
            "Re-activate",
        ),
        (
            finding("user.password_unused", USER),
            "delete_login_profile",
            "Delete the console password of inactive user bob",
            "cannot be restored",
        ),
        (
            finding(
                "identity.aws_admin_attached",
                USER,
                identity="bob",
                identity_type="user",
                policy_arn="arn:aws:iam::aws:policy/AdministratorAccess",
            ),
            "detach_policy",
            "Detach policy AdministratorAccess from user bob",
            "Attach arn:aws:iam::aws:policy/AdministratorAccess",
        ),
        (
            finding(
                "certificate.expired", "arn:aws:iam::1:server-certificate/old", certificate="old"
            ),
            "delete_server_certificate",
            "Delete expired server certificate old",
            "UploadServerCertificate",
        ),
        (
            finding(
                "analyzer.disabled", "arn:aws:access-analyzer:eu-west-1:1:x", region="eu-west-1"
            ),
            "enable_access_analyzer",
            "Create IAM Access Analyzer iam-audit-analyzer (type ACCOUNT) in eu-west-1",
            "Delete analyzer",
        ),
    ],
)
def test_findings_become_plans_with_text_and_undo(
    item: Finding, remediation: str, plan_words: str, undo_words: str
) -> None:
    remediation_id, params = params_for_finding(item, None)
    assert remediation_id == remediation
    plan = get_remediation(remediation_id).plan(params)
    assert plan.summary == plan_words
    assert undo_words in plan.undo
    assert plan.steps
    assert all(isinstance(s, str) for s in plan.steps)


def test_mfa_finding_plans_the_catalogue_policy() -> None:
    remediation_id, params = params_for_finding(finding("user.console_without_mfa", USER), None)
    assert remediation_id == "attach_policy"
    assert params["catalogue"] == "mfa-self-service-enforce"


def test_undo_of_an_attach_is_a_detach_and_back() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
    }
    plan = get_remediation("attach_policy").plan(
        {"target_kind": "group", "target_name": "devs", "document": doc, "policy_name": "s3"}
    )
    assert plan.params["managed_name"].startswith("iam-audit-s3-")
    assert plan.undo_change
    assert plan.undo_change["remediation"] == "detach_policy"
    same = get_remediation("attach_policy").plan(
        {"target_kind": "group", "target_name": "devs", "document": doc, "policy_name": "s3"}
    )
    assert same.params["managed_name"] == plan.params["managed_name"]  # content-addressed name


def test_trust_is_tightened_to_the_account_root_and_diffed() -> None:
    old = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            },
        ],
    }
    new = tighten_trust(old, "arn:aws:iam::123456789012:root")
    assert new["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert new["Statement"][1] == old["Statement"][1]
    assert old["Statement"][0]["Principal"] == {"AWS": "*"}  # the input is not modified
    plan = get_remediation("update_role_trust").plan(
        {"target_kind": "role", "target_name": "open", "document": new, "old_document": old}
    )
    assert '-        "AWS": "*"' in plan.diff
    assert '+        "AWS": "arn:aws:iam::123456789012:root"' in plan.diff
    assert plan.undo_change
    assert plan.undo_change["params"]["document"] == old


@pytest.mark.parametrize(
    ("remediation", "params", "message"),
    [
        (
            "attach_policy",
            {"target_kind": "bucket", "target_name": "b", "document": {}},
            "user, group or role",
        ),
        (
            "attach_policy",
            {"target_kind": "user", "target_name": "bad name!", "document": {}},
            "not a valid",
        ),
        ("attach_policy", {"target_kind": "user", "target_name": "bob"}, "document"),
        (
            "deactivate_access_key",
            {"target_kind": "user", "target_name": "bob"},
            "name the access key",
        ),
        ("enable_access_analyzer", {"region": "mars"}, "not an AWS region"),
        ("detach_policy", {"target_kind": "user", "target_name": "bob"}, "name the policy"),
    ],
)
def test_bad_parameters_are_input_errors(remediation: str, params: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        get_remediation(remediation).plan(params)


def test_unknown_check_has_no_remediation() -> None:
    with pytest.raises(InputError, match="No remediation"):
        params_for_finding(finding("root.mfa_disabled", "arn:aws:iam::1:root"), None)


# --- the approval message ------------------------------------------------------------------------


def _all_text(msg: dict) -> str:
    return json.dumps(msg, ensure_ascii=False)


def test_hostile_strings_are_escaped_in_the_approval_message() -> None:
    from bot.slack.approval_blocks import approval_message

    hostile = request(
        summary="Attach <!channel> & <https://evil|click>",
        target=Target("user", "<@U999>"),
        document={"Statement": [{"Sid": "<!here>", "Effect": "Allow"}]},
        impact={"lockout": ["bob <!everyone>: blocked"], "gained": ["<x>"], "simulated_on": []},
        lint=({"code": "MALFORMED", "severity": "high", "message": "<!channel> bad"},),
    )
    text = _all_text(approval_message(hostile))
    for raw in ("<!channel>", "<https://evil|click>", "<!here>", "<!everyone>", "<@U999>", "<x>"):
        assert raw not in text
    assert "&lt;!channel&gt;" in text
    assert "<@UREQ>" in text  # the requester is a real mention


def test_approval_message_stays_within_slack_limits_for_a_huge_document() -> None:
    from bot.slack.approval_blocks import approval_message
    from bot.slack.blocks import MAX_BLOCKS, SECTION_TEXT

    statements = [
        {"Sid": f"S{n}", "Effect": "Allow", "Action": f"s3:Get{n}", "Resource": "*"}
        for n in range(500)
    ]
    big = request(
        document={"Version": "2012-10-17", "Statement": statements},
        impact={"gained": [f"s3:Get{n}" for n in range(40)], "gained_count": 500},
        lint=tuple({"code": "X", "severity": "low", "message": "m" * 300} for _ in range(30)),
    )
    msg = approval_message(big)
    assert len(msg["blocks"]) <= MAX_BLOCKS
    for block in msg["blocks"]:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= SECTION_TEXT
    assert len(json.dumps(msg)) < 12_000
    assert "…and 22 more" in _all_text(msg)  # lint findings beyond the first 8 are counted
    assert big.content_hash in _all_text(msg)  # the full hash covers what was clipped


def test_decided_message_has_no_buttons_and_names_who_and_when() -> None:
    from bot.slack.approval_blocks import approval_message, result_message

    decided = transition(request(), State.REJECTED, actor="UAPP", now=T0, reason="too <b>road")
    text = _all_text(approval_message(decided))
    assert '"type": "actions"' not in text
    assert "rejected by <@UAPP> at 2026-11-30T10:00:00+00:00: too &lt;b&gt;road" in text
    applied = transition(
        transition(
            transition(request(), State.APPROVED, actor="UAPP", now=T0),
            State.APPLYING,
            actor="bot",
            now=T0,
        ),
        State.APPLIED,
        actor="bot",
        now=T0,
        calls=({"api": "AttachUserPolicy", "ok": True, "request_id": "req-9", "rollback": False},),
    )
    result = _all_text(result_message(applied, can_undo=True))
    assert "req-9" in result
    assert "approval_undo" in result
    assert "approval_undo" not in _all_text(result_message(applied, can_undo=False))


# --- findings that need the snapshot to plan -----------------------------------------------------


def test_admin_via_group_plans_removal_and_direct_admin_plans_detach() -> None:

    admin = f.policy_arn("AdministratorAccess", aws_managed=True)
    snap = f.snapshot(
        users=[
            f.user("bob", groups=["admins"]),
            f.user("eve", groups=[], attached_policies=[admin]),
        ],
        groups=[f.group("admins", attached_policies=[admin])],
    )
    via_group = finding("principal.admin_equivalent", f.user_arn("bob"))
    assert params_for_finding(via_group, snap) == (
        "remove_user_from_group",
        {"target_kind": "user", "target_name": "bob", "group": "admins"},
    )
    direct = finding("principal.admin_equivalent", f.user_arn("eve"))
    remediation, params = params_for_finding(direct, snap)
    assert remediation == "detach_policy"
    assert params["policy_arn"] == admin
    # without account data neither fits, and the user is told to fix it by hand
    with pytest.raises(InputError, match="fix it by hand"):
        params_for_finding(via_group, None)


def test_open_trust_finding_plans_the_tightened_document_with_a_diff() -> None:

    role = f.role("open", trust=f.trust_policy({"AWS": "*"}))
    snap = f.snapshot(roles=[role])
    remediation, params = params_for_finding(finding("role.trust_any_principal", role.arn), snap)
    plan = get_remediation(remediation).plan(params)
    principal = plan.document["Statement"][0]["Principal"]
    assert principal == {"AWS": f"arn:aws:iam::{f.ACCOUNT_ID}:root"}
    assert plan.diff.startswith("--- current")


def test_inactive_user_without_password_has_nothing_to_delete() -> None:

    snap = f.snapshot(
        users=[f.user("keys-only")],
        credential_report=[f.credential_row("keys-only", password_enabled="false")],
    )
    with pytest.raises(InputError, match="fix it by hand"):
        params_for_finding(finding("user.inactive", f.user_arn("keys-only")), snap)


@pytest.mark.parametrize(
    ("document", "is_admin"),
    [
        (f.allow("*"), True),
        (f.allow("IAM:*?"), True),  # IAM reads any spelling that matches every IAM action
        (f.allow(["iam:*", "s3:GetObject"]), True),
        (
            f.policy_document(f.statement(action="*"), f.statement(action="iam:*", effect="Deny")),
            False,
        ),
        (f.allow("iam:Get*"), False),
    ],
)
def test_admin_detach_finds_the_admin_policy_as_the_engine_reads_it(
    document: dict[str, object], is_admin: bool
) -> None:
    """The attached policy to detach is chosen by what it allows, its own Denies honoured."""
    policy = f.managed_policy("hand-made-admin", document)
    bob = f.user("bob", groups=(), attached_policies=(policy.arn,))
    snapshot = f.snapshot(users=[bob], policies=[policy])
    item = finding("principal.admin_equivalent", USER)
    if is_admin:
        remediation, params = params_for_finding(item, snapshot)
        assert remediation == "detach_policy"
        assert params["policy_arn"] == policy.arn
    else:
        with pytest.raises(InputError):
            params_for_finding(item, snapshot)


def _rightsize_proof(**changes: object) -> dict:
    proof = {
        "used_actions": ["s3:GetObject"],
        "still_allowed": 1,
        "lost_used": [],
        "gained": [],
        "removed_count": 40,
        "removed_by_service": [["ec2", 40]],
        "lint_new": [],
        "lint_carried": 1,
        "lint_caveats": [],
        "escalations_before": [],
        "escalations_after": [],
        "admin_before": False,
        "admin_after": False,
    }
    proof.update(changes)
    return proof


def _linter_line(msg: dict) -> str:
    lines = [
        element["text"]
        for block in msg["blocks"]
        if block["type"] == "context"
        for element in block["elements"]
        if element["text"].startswith("Linter")
    ]
    assert len(lines) == 1, lines
    return lines[0]


def test_a_rightsize_request_shows_the_proofs_linter_verdict_not_no_document() -> None:
    from bot.slack.approval_blocks import approval_message

    rightsize = request(
        change={"remediation": "rightsize_principal", "params": {"proof": _rightsize_proof()}},
        document=None,
        diff="--- old\n+++ new\n",
    )
    line = _linter_line(approval_message(rightsize))
    assert line == "Linter: the new documents add no findings (1 carried over)"


def test_a_rightsize_verdict_names_caveats_and_escapes_new_findings() -> None:
    from bot.slack.approval_blocks import approval_message

    caveat = {"code": "RESOURCE_POLICY_WRITE", "message": "s3:PutBucketPolicy kept"}
    clean = request(
        change={
            "remediation": "rightsize_principal",
            "params": {"proof": _rightsize_proof(lint_carried=0, lint_caveats=[caveat, caveat])},
        },
        document=None,
    )
    assert _linter_line(approval_message(clean)) == (
        "Linter: the new documents add no findings (2 caveats about resource policies, see the"
        " proof)"
    )
    hostile = {"code": "X", "severity": "high", "message": "<!channel> grants *"}
    failed = request(
        change={
            "remediation": "rightsize_principal",
            "params": {"proof": _rightsize_proof(lint_new=[hostile])},
        },
        document=None,
    )
    line = _linter_line(approval_message(failed))
    assert line.startswith("Linter: the new documents add 1 finding: &lt;!channel&gt;")
    assert "<!channel>" not in line


def test_other_kinds_keep_their_linter_note() -> None:
    """Only the rightsize remediation reads a proof; a proof-shaped parameter elsewhere is not."""
    from bot.slack.approval_blocks import approval_message

    params = {"target_name": "bob", "proof": _rightsize_proof()}
    with_document = request(change={"remediation": "attach_policy", "params": params})
    assert _linter_line(approval_message(with_document)) == "Linter: no findings"
    without = request(change={"remediation": "delete_access_key", "params": params}, document=None)
    assert _linter_line(approval_message(without)) == "Linter: no document"


def test_a_pending_request_lapses_only_once_its_time_is_up() -> None:
    r = request()
    with pytest.raises(TransitionRefused, match="has not expired"):
        transition(r, State.EXPIRED, actor="bot", now=r.expires_at - timedelta(seconds=1))
    lapsed = transition(r, State.EXPIRED, actor="bot", now=r.expires_at + timedelta(days=2))
    assert lapsed.lapsed


def test_a_click_on_a_lapsed_request_is_told_when_it_expired_not_when_it_was_written() -> None:
    r = request()
    lapsed = transition(r, State.EXPIRED, actor="bot", now=r.expires_at + timedelta(days=2))
    for decided in (lapsed, r):  # written down, or not yet
        with pytest.raises(TransitionRefused) as refused:
            transition(decided, State.APPROVED, actor="UAPP", now=r.expires_at + timedelta(days=3))
        said = str(refused.value)
        assert f"expired at {r.expires_at.isoformat(timespec='seconds')}" in said
        assert "before anyone approved or rejected it" in said
        assert "make a new one" in said
