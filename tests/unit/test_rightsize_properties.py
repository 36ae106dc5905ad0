"""Properties of the rewrite over generated policies and usage (hypothesis): it never grants an
action the original did not, never drops an action that was used (or that AWS cannot vouch
for), and never touches a Deny."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.iam.catalogue import default_catalogue
from bot.rightsize.rewrite import rewrite_document
from bot.rightsize.usage import ActionUsage, ServiceUsage, UsageEvidence
from tests import factories as f

CATALOGUE = default_catalogue()
PATTERNS = (
    "s3:GetObject",
    "s3:Get*",
    "s3:List*",
    "s3:*",
    "sqs:SendMessage",
    "sqs:*",
    "ec2:Describe*",
    "ec2:RunInstances",
    "iam:ListPolicies",
    "iam:CreatePolicyVersion",
    "kms:Decrypt",
    "kms:*",
    "*",
)
TRACKED = {
    "s3": ("GetObject", "ListAllMyBuckets", "CreateBucket", "GetBucketPolicy"),
    "ec2": ("RunInstances", "DescribeInstances"),
    "iam": ("ListPolicies", "CreatePolicyVersion"),
}
SERVICES = ("s3", "sqs", "ec2", "iam", "kms")


def _allowed(document: dict | None) -> set[str]:
    found: set[str] = set()
    for statement in (document or {}).get("Statement", []):
        if statement["Effect"] != "Allow":
            continue
        if "NotAction" in statement:
            found |= CATALOGUE.expand_not_action(statement["NotAction"])
        else:
            actions = statement["Action"]
            found |= CATALOGUE.expand_all([actions] if isinstance(actions, str) else actions)
    return found


@st.composite
def usage(draw):
    services = []
    for namespace in SERVICES:
        reported = draw(st.booleans())
        if not reported:
            continue
        days = draw(st.one_of(st.none(), st.integers(0, 300)))
        tracked = None
        if namespace in TRACKED:
            tracked = tuple(
                ActionUsage(
                    f"{namespace}:{name}",
                    None
                    if (d := draw(st.one_of(st.none(), st.integers(0, 300)))) is None
                    else f.NOW - timedelta(days=d),
                )
                for name in TRACKED[namespace]
            )
        when = None if days is None else f.NOW - timedelta(days=days)
        services.append(ServiceUsage(namespace, namespace, when, tracked))
    return UsageEvidence(
        principal_arn=f.role_arn("app"),
        generated_at=f.NOW,
        tracked_since=f.NOW - timedelta(days=400),
        services=tuple(services),
    )


statement = st.builds(
    lambda effect, actions, not_action: (
        {"Effect": effect, "NotAction": actions, "Resource": "*"}
        if not_action and effect == "Allow" and "*" not in actions
        else {"Effect": effect, "Action": actions, "Resource": "*"}
    ),
    st.sampled_from(("Allow", "Allow", "Deny")),
    st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=4, unique=True),
    st.booleans(),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(statement, min_size=1, max_size=3), usage(), st.integers(1, 120))
def test_rewrite_never_gains_and_keeps_what_was_used(statements, evidence, days) -> None:
    document = {"Version": "2012-10-17", "Statement": statements}
    result = rewrite_document(document, evidence, days, CATALOGUE)
    before, after = _allowed(document), _allowed(result.document)
    assert after <= before  # nothing gained
    start = evidence.window_start(days)
    for action in before:
        namespace = action.split(":", 1)[0].lower()
        service = evidence.service(namespace)
        if service is None or not service.used_since(start):
            continue
        unused = {a.lower() for a in service.actions_unused_since(start)}
        if action.lower() not in unused:
            assert action in after, f"{action} was used or is not tracked, yet it went"
    denies = [s for s in statements if s["Effect"] == "Deny"]
    kept = [s for s in (result.document or {}).get("Statement", []) if s["Effect"] == "Deny"]
    assert kept == denies
