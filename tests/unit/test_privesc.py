"""Privilege escalation on an iam-vulnerable-style account (tests/data/iam_vulnerable_gaad.json).

The fixture holds one principal per method of privesc.md (named ``privesc-<method>-...``), the
traps a correct engine must flag (``fn-...``) and the traps it must not flag (``fp-...``), plus
the admin roles they aim at (``target-...``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.audit.gaad import snapshot_from_gaad
from bot.iam.effective import PermissionIndex
from bot.iam.privesc import TargetFinder, find_escalations, methods_held, trust_chains
from bot.iam.privesc_methods import load_methods
from tests.factories import (
    ACCOUNT_ID,
    NOW,
    allow,
    audit,
    inline,
    managed_policy,
    policy_document,
    role,
    role_arn,
    snapshot,
    statement,
    trust_policy,
    user,
    user_arn,
)

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "iam_vulnerable_gaad.json"
ADMIN_DOC = allow("*")


@pytest.fixture(scope="module")
def vulnerable():
    return snapshot_from_gaad(json.loads(FIXTURE.read_text()), now=NOW)


@pytest.fixture(scope="module")
def escalations(vulnerable):
    return find_escalations(PermissionIndex(vulnerable, NOW))


def _name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _principals(snap, prefix: str) -> list[str]:
    return [p.arn for p in (*snap.users, *snap.roles) if p.name.startswith(prefix)]


def test_fixture_covers_at_least_30_methods_in_every_category(vulnerable):
    names = {_name(arn) for arn in _principals(vulnerable, "privesc-")}
    covered = {m for m in load_methods() if any(n.startswith(f"privesc-{m.id}-") for n in names)}
    assert len(covered) >= 30
    assert {m.category for m in covered} == {
        "self-escalation",
        "principal-access",
        "new-passrole",
        "existing-passrole",
    }
    assert any(m.id == "sts-001" for m in covered)


def test_audit_flags_every_escalation_principal_and_no_trap(vulnerable):
    report = audit(vulnerable, only=["principal.privilege_escalation"])
    flagged = {f.resource_arn for f in report.findings}
    must = set(_principals(vulnerable, "privesc-")) | set(_principals(vulnerable, "fn-"))
    must_not = set(_principals(vulnerable, "fp-"))
    assert len(must) > 70
    assert len(must_not) >= 10
    assert sorted(_name(a) for a in must - flagged) == []
    assert sorted(_name(a) for a in must_not & flagged) == []


def test_each_method_principal_is_flagged_for_its_own_method(vulnerable, escalations):
    for method in load_methods():
        principals = [
            a for a in _principals(vulnerable, f"privesc-{method.id}-") if a in escalations
        ]
        assert principals, method.id
        for arn in principals:
            assert method.id in escalations[arn].method_ids, (method.id, _name(arn))


def test_finding_names_methods_actions_and_policies(vulnerable):
    report = audit(vulnerable, only=["principal.privilege_escalation"])
    by_name = {_name(f.resource_arn): f for f in report.findings}
    finding = by_name["fn-two-policies-user"]
    assert finding.severity.value == "high"
    assert "ec2-001" in finding.evidence["method_ids"]
    method = next(m for m in finding.evidence["methods"] if m["method"] == "ec2-001")
    assert {a["action"] for a in method["actions"]} == {"iam:PassRole", "ec2:RunInstances"}
    policies = set(method["policies"])
    assert policies == {
        f"arn:aws:iam::{ACCOUNT_ID}:policy/fn-passrole-only",
        f"arn:aws:iam::{ACCOUNT_ID}:policy/fn-run-instances-only",
    }
    assert "ec2-001" in finding.detail


def test_one_finding_per_principal_lists_all_methods(vulnerable):
    report = audit(vulnerable, only=["principal.privilege_escalation"])
    arns = [f.resource_arn for f in report.findings]
    assert len(arns) == len(set(arns))
    notaction = next(f for f in report.findings if _name(f.resource_arn) == "fn-notaction-user")
    assert len(notaction.evidence["method_ids"]) > 40
    assert "sts-001" in notaction.evidence["method_ids"]


def test_sts_chain_goes_through_the_intermediate_role(vulnerable, escalations):
    chain = escalations[user_arn("privesc-sts-001-user")].methods[-1]
    assert chain.method.id == "sts-001"
    assert [_name(a) for a in chain.chain] == [
        "privesc-sts-001-user",
        "privesc-sts-001-hop-role",
        "target-chain-admin-role",
    ]
    direct = escalations[user_arn("privesc-sts-001-direct-user")]
    assert [_name(a) for a in direct.methods[0].chain] == [
        "privesc-sts-001-direct-user",
        "target-direct-admin-role",
    ]


def test_admin_roles_themselves_are_not_escalation_findings(vulnerable, escalations):
    assert not any(_name(a).startswith("target-") for a in escalations)


def test_conditions_are_recorded_as_assumptions(escalations):
    notes = escalations[user_arn("fn-satisfiable-condition-user")].assumptions
    assert any("aws:TokenIssueTime" in n and "satisfiable" in n for n in notes)


# --- small, targeted cases -----------------------------------------------------------------


def _escalations(snap):
    return find_escalations(PermissionIndex(snap, NOW))


def test_pass_role_needs_a_role_to_pass():
    doc = policy_document(
        statement(action="iam:PassRole", resource=f"arn:aws:iam::{ACCOUNT_ID}:role/app-*"),
        statement(action="ec2:RunInstances"),
    )
    without = snapshot(users=[user("dev", inline_policies=[inline("p", doc)])])
    assert _escalations(without) == {}
    with_role = snapshot(
        users=[user("dev", inline_policies=[inline("p", doc)])], roles=[role("app-worker")]
    )
    found = _escalations(with_role)[user_arn("dev")]
    assert found.method_ids == ("ec2-001",)
    pass_role = found.methods[0].accesses[0]
    assert pass_role.resource == role_arn("app-worker")


def test_service_linked_roles_are_not_pass_role_targets():
    doc = policy_document(
        statement(
            action="iam:PassRole",
            resource=f"arn:aws:iam::{ACCOUNT_ID}:role/aws-service-role/*",
        ),
        statement(action="ec2:RunInstances"),
    )
    from tests.factories import service_linked_role

    snap = snapshot(
        users=[user("dev", inline_policies=[inline("p", doc)])], roles=[service_linked_role()]
    )
    assert _escalations(snap) == {}


def test_policy_version_on_a_named_customer_policy_is_flagged():
    target = managed_policy("app-policy")
    doc = allow("iam:CreatePolicyVersion", target.arn)
    snap = snapshot(users=[user("dev", inline_policies=[inline("p", doc)])], policies=[target])
    assert _escalations(snap)[user_arn("dev")].method_ids == ("iam-001",)


def test_explicit_deny_in_a_group_policy_wins():
    from tests.factories import group

    snap = snapshot(
        users=[user("dev", groups=["locked"], inline_policies=[inline("p", allow("iam:*"))])],
        groups=[group("locked", inline_policies=[inline("d", _deny("iam:*"))])],
    )
    assert _escalations(snap) == {}


def test_boundary_blocks_escalation():
    boundary = managed_policy("boundary", allow("s3:*"))
    snap = snapshot(
        users=[
            user(
                "dev",
                inline_policies=[inline("p", allow("iam:PutUserPolicy"))],
                permissions_boundary_arn=boundary.arn,
            )
        ],
        policies=[boundary],
    )
    assert _escalations(snap) == {}


def test_role_trusting_the_account_needs_the_callers_assume_permission():
    admin_role = role(
        "admin",
        trust=trust_policy({"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}),
        inline_policies=[inline("all", ADMIN_DOC)],
    )
    bystander = user("bystander", inline_policies=[inline("p", allow("s3:GetObject"))])
    caller = user(
        "caller", inline_policies=[inline("p", allow("sts:AssumeRole", role_arn("admin")))]
    )
    chains = trust_chains(
        PermissionIndex(snapshot(users=[bystander, caller], roles=[admin_role]), NOW)
    )
    assert chains == {user_arn("caller"): (user_arn("caller"), role_arn("admin"))}


def test_trust_deny_blocks_the_chain():
    trust = policy_document(
        statement(principal={"AWS": user_arn("caller")}, action="sts:AssumeRole", resource=None),
        statement(
            effect="Deny",
            principal={"AWS": user_arn("caller")},
            action="sts:AssumeRole",
            resource=None,
        ),
    )
    admin_role = role("admin", trust=trust, inline_policies=[inline("all", ADMIN_DOC)])
    snap = snapshot(users=[user("caller")], roles=[admin_role])
    assert trust_chains(PermissionIndex(snap, NOW)) == {}


def test_identity_deny_blocks_direct_trust():
    admin_role = role(
        "admin",
        trust=trust_policy({"AWS": user_arn("caller")}),
        inline_policies=[inline("all", ADMIN_DOC)],
    )
    caller = user("caller", inline_policies=[inline("d", _deny("sts:AssumeRole"))])
    snap = snapshot(users=[caller], roles=[admin_role])
    assert trust_chains(PermissionIndex(snap, NOW)) == {}


def test_trust_condition_on_principal_tag_is_a_fact():
    trust = trust_policy(
        {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
        condition={"StringEquals": {"aws:PrincipalTag/team": "ops"}},
    )
    admin_role = role("admin", trust=trust, inline_policies=[inline("all", ADMIN_DOC)])
    assume = inline("p", allow("sts:AssumeRole"))
    ops = user("ops-user", tags={"team": "ops"}, inline_policies=[assume])
    dev = user("dev-user", tags={"team": "dev"}, inline_policies=[assume])
    chains = trust_chains(PermissionIndex(snapshot(users=[ops, dev], roles=[admin_role]), NOW))
    assert set(chains) == {user_arn("ops-user")}


def test_methods_held_can_be_limited_to_some_methods():
    snap = snapshot(users=[user("dev", inline_policies=[inline("p", allow("iam:*User*"))])])
    index = PermissionIndex(snap, NOW)
    only = [m for m in load_methods() if m.id == "iam-007"]
    held = methods_held(index[user_arn("dev")], TargetFinder(index), only)
    assert [h.method.id for h in held] == ["iam-007"]


def _deny(action: str):
    return policy_document(statement(effect="Deny", action=action))


def test_fixture_matches_its_builder():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "build_iam_vulnerable_gaad", FIXTURE.with_name("build_iam_vulnerable_gaad.py")
    )
    assert spec is not None
    assert spec.loader is not None
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    assert builder.render() == FIXTURE.read_text()


def test_self_service_credentials_are_not_escalation_but_self_policy_is():
    own_user = f"arn:aws:iam::{ACCOUNT_ID}:user/${{aws:username}}"
    self_service = allow(
        ["iam:CreateAccessKey", "iam:UpdateLoginProfile", "iam:CreateLoginProfile"], own_user
    )
    snap = snapshot(
        users=[
            user("keys", inline_policies=[inline("p", self_service)]),
            user("policy", inline_policies=[inline("p", allow("iam:AttachUserPolicy", own_user))]),
        ]
    )
    found = _escalations(snap)
    assert set(found) == {user_arn("policy")}
    assert found[user_arn("policy")].method_ids == ("iam-008",)
    assert found[user_arn("policy")].methods[0].accesses[0].resource == user_arn("policy")


def test_a_role_may_escalate_by_writing_its_own_policy():
    own = inline("p", allow("iam:PutRolePolicy", role_arn("app")))
    found = _escalations(snapshot(roles=[role("app", inline_policies=[own])]))
    assert found[role_arn("app")].method_ids == ("iam-005",)


def test_full_audit_of_the_fixture_runs_every_principal_check(vulnerable):
    report = audit(vulnerable)
    mine = {
        "principal.admin_equivalent",
        "principal.privilege_escalation",
        "principal.data_exfiltration",
        "principal.credentials_exposure",
        "principal.resource_exposure",
    }
    assert mine <= set(report.checks)
    assert [e for e in report.errors if e.check_id in mine] == []
    admins = {
        _name(f.resource_arn) for f in report.findings if f.check_id == "principal.admin_equivalent"
    }
    assert admins == {"target-admin-role", "target-chain-admin-role", "target-direct-admin-role"}
    assert report.extra["catalogue_version"]


def test_roles_with_empty_or_broken_trust_policies_are_skipped():
    admin_doc = inline("all", ADMIN_DOC)
    broken = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": 5}]}
    snap = snapshot(
        users=[user("caller", inline_policies=[inline("p", allow("sts:AssumeRole"))])],
        roles=[
            role("empty", trust={}, inline_policies=[admin_doc]),
            role("broken", trust=broken, inline_policies=[admin_doc]),
        ],
    )
    assert trust_chains(PermissionIndex(snap, NOW)) == {}
