"""Right-sizing's pure core: usage, rewriting, proof and proposal, on plain data.

Usage shapes follow IAM's GetServiceLastAccessedDetails (TrackedActionLastAccessed has no
LastAccessedTime when the action was not used in the tracking period; IAM keeps 400 days)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.iam.catalogue import default_catalogue
from bot.model.errors import InputError
from bot.remediation.registry import get_remediation
from bot.rightsize.proposal import build_proposal, parse_principal
from bot.rightsize.rewrite import compress, policy_size, rewrite_document
from bot.rightsize.text import proof_lines
from bot.rightsize.usage import ActionUsage, ServiceUsage, UsageEvidence
from tests import factories as f

CATALOGUE = default_catalogue()


def evidence(*services: ServiceUsage, tracked_days: int = 300, arn: str = "") -> UsageEvidence:
    return UsageEvidence(
        principal_arn=arn or f.role_arn("app"),
        generated_at=f.NOW,
        tracked_since=f.NOW - timedelta(days=tracked_days),
        services=services,
    )


def used(namespace: str, days: int = 1, actions: dict[str, int | None] | None = None):
    tracked = None
    if actions is not None:
        tracked = tuple(
            ActionUsage(f"{namespace}:{a}", None if d is None else f.NOW - timedelta(days=d))
            for a, d in actions.items()
        )
    return ServiceUsage(namespace, namespace, f.NOW - timedelta(days=days), tracked)


def unused(namespace: str) -> ServiceUsage:
    return ServiceUsage(namespace, namespace, None, None)


USAGE = evidence(
    used("s3", 3, {"ListAllMyBuckets": 3, "CreateBucket": None, "GetObject": 200}),
    used("sqs", 5),
    unused("ec2"),
)


def test_unused_services_go_tracked_unused_actions_go_untracked_ones_stay() -> None:
    document = f.allow(["s3:ListAllMyBuckets", "s3:CreateBucket", "ec2:*", "sqs:SendMessage"])
    result = rewrite_document(document, USAGE, 90, CATALOGUE)
    assert result.document["Statement"][0]["Action"] == ["s3:ListAllMyBuckets", "sqs:SendMessage"]
    assert result.removed_services == ("ec2",)
    assert result.removed_actions == ("s3:CreateBucket",)


def test_denies_conditions_and_resources_are_kept() -> None:
    document = f.policy_document(
        {
            "Sid": "Scoped",
            "Effect": "Allow",
            "Action": ["sqs:ReceiveMessage", "ec2:RunInstances"],
            "Resource": "arn:aws:sqs:us-east-1:123456789012:jobs",
            "Condition": {"Bool": {"aws:SecureTransport": "true"}},
        },
        {"Effect": "Deny", "Action": "ec2:*", "Resource": "*"},
    )
    result = rewrite_document(document, USAGE, 90, CATALOGUE)
    allow, deny = result.document["Statement"]
    assert allow["Action"] == "sqs:ReceiveMessage"
    assert allow["Resource"] == "arn:aws:sqs:us-east-1:123456789012:jobs"
    assert allow["Condition"] == {"Bool": {"aws:SecureTransport": "true"}}
    assert allow["Sid"] == "Scoped"
    assert deny == {"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}


def test_a_service_wildcard_keeps_what_aws_does_not_track() -> None:
    # s3:Get* minus nothing tracked-unused among Get*: kept as written; GetObject was last used
    # 200 days ago and is tracked, so with a 90-day window it goes.
    result = rewrite_document(f.allow("s3:Get*"), USAGE, 90, CATALOGUE)
    actions = result.document["Statement"][0]["Action"]
    assert "s3:GetObject" not in actions
    assert "s3:GetBucketPolicy" in actions
    assert result.removed_actions == ("s3:GetObject",)


def test_not_action_becomes_the_used_services() -> None:
    document = f.policy_document(
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}
    )
    result = rewrite_document(document, USAGE, 90, CATALOGUE)
    statement = result.document["Statement"][0]
    assert "NotAction" not in statement
    assert "sqs:*" in statement["Action"]
    assert not any(a.startswith(("ec2:", "iam:", "kms:")) for a in statement["Action"])
    assert "ec2" in result.removed_services


def test_nothing_used_leaves_no_document() -> None:
    result = rewrite_document(f.allow("ec2:*"), USAGE, 90, CATALOGUE)
    assert result.document is None
    assert result.changed


def test_compress_never_covers_an_avoided_action() -> None:
    keep = CATALOGUE.expand("s3:Get*") - {"s3:GetObject"}
    compressed = compress(keep, {"s3:GetObject"}, CATALOGUE)
    assert "s3:Get*" not in compressed
    assert CATALOGUE.expand_all(compressed) == keep


def _snapshot(**kwargs):
    policy = f.managed_policy(
        "app-policy", f.allow(["iam:ListPolicies", "iam:CreatePolicyVersion"])
    )
    role = f.role("app", attached_policies=[policy.arn], **kwargs)
    return f.snapshot(roles=[role], policies=[policy]), role


IAM_USAGE = evidence(used("iam", 1, {"ListPolicies": 1, "CreatePolicyVersion": None}))


def test_proposal_removes_an_escalation_and_proves_it() -> None:
    snapshot, _role = _snapshot()
    proposal = build_proposal(
        snapshot, "role", "app", evidence=IAM_USAGE, days=90, catalogue=CATALOGUE
    )
    assert proposal.actionable
    proof = proposal.proof
    assert proof.lost_used == ()
    assert proof.gained == ()
    assert "iam-001" in proof.escalations_before
    assert "iam-001" not in proof.escalations_after
    (edit,) = proposal.edits
    assert edit.operation == "new_version"
    assert edit.old_version == "v1"
    plan = get_remediation("rightsize_principal").plan(proposal.remediation_params())
    assert plan.undo_change["remediation"] == "restore_rightsized_policies"
    assert "Escalation paths: 1 -> 0" in plan.effect
    assert "iam:CreatePolicyVersion" in plan.diff


def test_window_longer_than_tracking_is_refused() -> None:
    snapshot, _ = _snapshot()
    young = evidence(used("iam", 1, {"ListPolicies": 1}), tracked_days=20)
    with pytest.raises(InputError, match="tracked app for 20 day"):
        build_proposal(snapshot, "role", "app", evidence=young, days=90, catalogue=CATALOGUE)


def test_service_linked_roles_are_explained_not_touched() -> None:
    role = f.service_linked_role()
    snapshot = f.snapshot(roles=[role])
    proposal = build_proposal(
        snapshot, "role", role.name, evidence=IAM_USAGE, days=90, catalogue=CATALOGUE
    )
    assert not proposal.actionable
    assert "service-linked" in proposal.explanation


def test_a_boundary_that_already_bounds_is_explained_not_touched() -> None:
    boundary = f.managed_policy("bound", f.allow("iam:ListPolicies"), boundary_usage_count=1)
    snapshot, role = _snapshot(permissions_boundary_arn=boundary.arn)
    snapshot = f.snapshot(roles=[role], policies=[*snapshot.policies, boundary])
    proposal = build_proposal(
        snapshot, "role", "app", evidence=IAM_USAGE, days=90, catalogue=CATALOGUE
    )
    assert not proposal.actionable
    assert "already bounded by its permissions boundary bound" in proposal.explanation


def test_shared_and_aws_managed_policies_are_left_with_the_reason() -> None:
    shared = f.managed_policy("shared", f.allow("ec2:*"), attachment_count=3)
    role = f.role("app", attached_policies=[shared.arn, f.READ_ONLY_ACCESS])
    readonly = f.managed_policy("ReadOnlyAccess", f.allow("ec2:Describe*"), aws_managed=True)
    snapshot = f.snapshot(roles=[role], policies=[shared, readonly])
    proposal = build_proposal(snapshot, "role", "app", evidence=USAGE, days=90, catalogue=CATALOGUE)
    reasons = {u.what: u.reason for u in proposal.untouched}
    assert "2 other identities" in reasons["shared"]
    assert "AWS-managed" in reasons["ReadOnlyAccess"]
    assert not proposal.actionable


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("role/app", ("role", "app")),
        ("user/alice", ("user", "alice")),
        ("arn:aws:iam::123456789012:role/path/app", ("role", "app")),
    ],
)
def test_principal_names(text: str, expected: tuple[str, str]) -> None:
    assert parse_principal(text) == expected


@pytest.mark.parametrize("text", ["group/devs", "role/", "bare-name"])
def test_bad_principal_names_are_refused(text: str) -> None:
    with pytest.raises(InputError):
        parse_principal(text)


def test_a_plan_without_a_holding_proof_is_refused() -> None:
    with pytest.raises(InputError, match="does not hold"):
        get_remediation("rightsize_principal").plan(
            {
                "target_kind": "role",
                "target_name": "app",
                "days": 90,
                "edits": [
                    {
                        "kind": "inline",
                        "name": "x",
                        "old_document": f.allow("s3:*"),
                        "new_document": None,
                    }
                ],
                "proof": {"holds": False},
            }
        )


def test_aws_managed_policies_are_copied_only_when_asked() -> None:
    readonly = f.managed_policy(
        "ReadOnlyAccess", f.allow(["s3:Get*", "ec2:Describe*", "kms:Describe*"]), aws_managed=True
    )
    role = f.role("app", attached_policies=[readonly.arn])
    snapshot = f.snapshot(roles=[role], policies=[readonly])
    usage = evidence(used("s3", 2), used("ec2", 2), unused("kms"))
    left = build_proposal(snapshot, "role", "app", evidence=usage, days=90, catalogue=CATALOGUE)
    assert not left.actionable
    assert "--copy-aws-managed" in left.untouched[0].reason
    asked = build_proposal(
        snapshot,
        "role",
        "app",
        evidence=usage,
        days=90,
        catalogue=CATALOGUE,
        copy_aws_managed=True,
    )
    assert asked.actionable
    (edit,) = asked.edits
    assert edit.operation == "copy"
    assert edit.copy_name.startswith("iam-audit-rightsized-ReadOnlyAccess-")
    assert edit.new_document["Statement"][0]["Action"] == ["s3:Get*", "ec2:Describe*"]
    plan = get_remediation("rightsize_principal").plan(asked.remediation_params())
    assert plan.steps[0].startswith(f"iam:CreatePolicy PolicyName={edit.copy_name}")
    assert plan.steps[-1] == f"iam:DetachRolePolicy RoleName=app PolicyArn={readonly.arn}"
    restore = get_remediation("restore_rightsized_policies").plan(plan.undo_change["params"])
    assert restore.steps[0] == f"iam:AttachRolePolicy RoleName=app PolicyArn={readonly.arn}"


def test_aws_managed_policies_carry_the_default_version_the_proposal_judged() -> None:
    """AWS publishes new default versions of its managed policies: the version the proposal read
    goes with the edit (copy or detach), so the apply can refuse when AWS has moved it since."""
    readonly = replace(
        f.managed_policy("ReadOnlyAccess", f.allow(["s3:Get*", "ec2:Describe*"]), aws_managed=True),
        default_version_id="v7",
    )
    role = f.role("app", attached_policies=[readonly.arn])
    snapshot = f.snapshot(roles=[role], policies=[readonly])
    for usage, operation in (
        (evidence(used("s3", 2), unused("ec2")), "copy"),
        (evidence(unused("s3"), unused("ec2")), "detach"),
    ):
        proposal = build_proposal(
            snapshot,
            "role",
            "app",
            evidence=usage,
            days=90,
            catalogue=CATALOGUE,
            copy_aws_managed=True,
        )
        (edit,) = proposal.edits
        assert (edit.operation, edit.old_version) == (operation, "v7")
        params = get_remediation("rightsize_principal").plan(proposal.remediation_params()).params
        assert params["edits"][0]["old_version"] == "v7"


def test_a_narrowing_left_open_by_untracked_policy_writes_is_a_caveat_not_a_failure() -> None:
    """s3 is tracked per action for only part of its actions; the untracked ones stay, and among
    them are s3:PutAccessPointPolicy and friends. The linter's RESOURCE_POLICY_ESCALATION then
    says the removed s3 actions are reachable again through a resource policy: true, and shown
    to the approver, but the rewrite still only narrows, so the proposal stands."""
    policy = f.managed_policy(
        "everything-but-iam",
        f.policy_document({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
    )
    user = f.user("kate", groups=(), attached_policies=[policy.arn])
    snapshot = f.snapshot(users=[user], policies=[policy])
    usage = evidence(used("s3", 3, {"ListAllMyBuckets": 3, "CreateBucket": None}), arn=user.arn)
    proposal = build_proposal(
        snapshot, "user", "kate", evidence=usage, days=90, catalogue=CATALOGUE
    )
    assert proposal.actionable
    proof = proposal.proof
    assert proof.holds
    assert [c["code"] for c in proof.lint_caveats] == ["RESOURCE_POLICY_ESCALATION"]
    assert all(item["code"] != "RESOURCE_POLICY_ESCALATION" for item in proof.lint_new)
    assert "Caveat: some removals can be undone" in "\n".join(
        proof_lines(proposal.remediation_params())
    )


def test_inline_rewrites_that_fit_alone_but_not_together_are_not_all_proposed() -> None:
    """IAM counts a user's inline policies together (2,048 characters without whitespace): two
    `NotAction` policies each rewritten to a 1,766-character list of used services fit one by
    one, not both. The growth that does not fit is left out (the policy stays as it is), so the
    request is one IAM can apply."""
    services = sorted({a.split(":")[0] for a in CATALOGUE.expand("*")} - {"iam"})[:99]
    wide = f.policy_document({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    user = f.user("kate", groups=(), inline_policies=[f.inline("one", wide), f.inline("two", wide)])
    snapshot = f.snapshot(users=[user])
    usage = evidence(*(used(s, 3) for s in services), arn=user.arn)
    proposal = build_proposal(
        snapshot, "user", "kate", evidence=usage, days=90, catalogue=CATALOGUE
    )
    sizes = {e.name: policy_size(e.new_document) for e in proposal.edits}
    kept = {p.name: policy_size(p.document) for p in user.inline_policies if p.name not in sizes}
    assert sum(sizes.values()) + sum(kept.values()) <= 2048
    assert len(proposal.edits) == 1
    assert [u.what for u in proposal.untouched] == sorted({"one", "two"} - set(sizes))
    assert "2,048" in proposal.untouched[0].reason
    assert "together" in proposal.untouched[0].reason
