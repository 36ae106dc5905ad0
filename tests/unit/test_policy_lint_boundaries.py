"""policy.lint lints a customer-managed policy used only as a permissions boundary
(AttachmentCount 0, PermissionsBoundaryUsageCount > 0) as a boundary: a boundary grants nothing,
so the identity rules about what a grant reaches (WILDCARD_SENSITIVE) do not apply. A policy
attached somewhere keeps the identity lint, even if it is a boundary too."""

from __future__ import annotations

from typing import Any

from bot.audit.checks.policy_lint import boundary_only_policy_arns, cached_lint
from bot.iam.catalogue import default_catalogue
from bot.model.severity import Severity
from tests.factories import inline, managed_policy, run_check, snapshot, user

# A ceiling in the shape of AWS's delegation example: every IAM and S3 action, which as an
# identity policy is a HIGH WILDCARD_SENSITIVE (permissions management on "*").
CEILING: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["iam:*", "s3:*"], "Resource": "*"}],
}


def _lint_findings(snap: Any) -> dict[str, Any]:
    return {f.resource_arn: f for f in run_check("policy.lint", snap)}


def test_boundary_only_policy_is_linted_as_a_boundary() -> None:
    boundary = managed_policy("Ceiling", CEILING, attachment_count=0, boundary_usage_count=1)
    snap = snapshot(
        users=[user("zhang", groups=[], permissions_boundary_arn=boundary.arn)],
        policies=[boundary],
    )
    assert boundary_only_policy_arns(snap) == {boundary.arn}
    assert boundary.arn not in _lint_findings(snap)


def test_attached_policy_keeps_the_identity_lint_even_when_also_a_boundary() -> None:
    both = managed_policy("Ceiling", CEILING, attachment_count=1, boundary_usage_count=1)
    attached = managed_policy("Granted", CEILING, attachment_count=1, boundary_usage_count=0)
    unused = managed_policy("Unused", CEILING, attachment_count=0, boundary_usage_count=0)
    snap = snapshot(
        users=[
            user(
                "nikhil",
                groups=[],
                attached_policies=[both.arn, attached.arn],
                permissions_boundary_arn=both.arn,
            )
        ],
        policies=[both, attached, unused],
    )
    assert boundary_only_policy_arns(snap) == frozenset()
    found = _lint_findings(snap)
    for policy in (both, attached, unused):
        assert found[policy.arn].severity is Severity.HIGH
        codes = {f["code"] for f in found[policy.arn].evidence["lint_findings"]}
        assert "WILDCARD_SENSITIVE" in codes
        assert "linted_as" not in found[policy.arn].evidence


def test_same_document_as_boundary_and_as_inline_policy_is_linted_both_ways() -> None:
    """The lint cache is keyed by type and document: the boundary's clean answer must not be
    reused for an inline policy with the same text, nor the other way round."""
    boundary = managed_policy("Ceiling", CEILING, attachment_count=0, boundary_usage_count=1)
    snap = snapshot(
        users=[
            user(
                "zhang",
                groups=[],
                permissions_boundary_arn=boundary.arn,
                inline_policies=[inline("copy", CEILING)],
            )
        ],
        policies=[boundary],
    )
    found = _lint_findings(snap)
    assert boundary.arn not in found
    (inline_finding,) = found.values()
    assert inline_finding.resource_arn.endswith("#inline/copy")
    assert inline_finding.severity is Severity.HIGH


def test_boundary_lint_findings_say_how_the_policy_was_linted() -> None:
    """A boundary that still has findings (an unknown action) says it was linted as one."""
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["iam:*", "s3:GetObjekt"], "Resource": "*"}],
    }
    boundary = managed_policy("Ceiling", document, attachment_count=0, boundary_usage_count=2)
    snap = snapshot(
        users=[user("zhang", groups=[], permissions_boundary_arn=boundary.arn)],
        policies=[boundary],
    )
    finding = _lint_findings(snap)[boundary.arn]
    assert finding.evidence["linted_as"] == "boundary"
    assert "used only as a permissions boundary" in finding.detail
    codes = {f["code"] for f in finding.evidence["lint_findings"]}
    assert codes == {"UNKNOWN_ACTION"}


def test_cached_lint_keys_on_the_policy_type() -> None:
    shared: dict[str, Any] = {}
    catalogue = default_catalogue()
    as_boundary = cached_lint(CEILING, shared, catalogue, "boundary")
    as_identity = cached_lint(CEILING, shared, catalogue, "identity")
    assert as_boundary == ()
    assert "WILDCARD_SENSITIVE" in {f.code for f in as_identity}
    assert cached_lint(CEILING, shared, catalogue) == as_identity  # identity is the default
