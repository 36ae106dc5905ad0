"""A Deny whose NotResource names only other services' ARNs denies an action everywhere.

IAM User Guide, "NotResource": a Deny with NotResource applies to every resource not listed,
and a request for an action without resource types is on `*`. An S3 data perimeter's
``Deny NotAction s3:Get* NotResource arn:aws:s3:::team/*`` therefore leaves an IAM action no
resource at all: ``ActionSpace.foreign_to`` finds such actions by the ARN services of their
service's resource types, and the compiled policy counts them as denied on every resource.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.iam.catalogue import default_catalogue
from bot.iam.effective import PermissionIndex, action_space
from bot.iam.matching import arn_matcher
from tests.factories import (
    ACCOUNT_ID,
    NOW,
    inline,
    policy_document,
    snapshot,
    statement,
    user,
    user_arn,
)

CATALOGUE = default_catalogue()
SPACE = action_space(CATALOGUE, frozenset())
_SERVICES = ("iam", "sts", "s3", "ec2", "lambda", "kms", "dynamodb", "organizations")
_PATTERNS = (
    "arn:aws:s3:::team-a/*",
    "arn:aws:s3:::*",
    f"arn:aws:iam::{ACCOUNT_ID}:role/admin*",
    f"arn:aws:iam::{ACCOUNT_ID}:user/*",
    f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/*",
    "arn:aws:ec2:*:*:instance/*",
    "arn:aws:*:*:*:*",
    "arn:*:iam::*:role/*",
    "arn:aws:s3*",
    "arn:aws:kms:us-east-1:123456789012:key/*",
    "*",
    "not-an-arn",
    "arn:aws:dynamodb:*:*:table/t",
)
_NAMES = ("x", "team-a/obj", "admin-1", "a/b/c", "*")


def _concrete_resources(service: str) -> list[str]:
    """Requests an action of the service can make: `*`, and ARNs of each of its resource
    types' formats with a few names filled in."""
    resources = ["*"]
    for action in sorted(CATALOGUE.expand(f"{service}:*"))[:400]:
        info = CATALOGUE.action(action)
        for resource_type in info.resource_types if info else ():
            for pattern in resource_type.arn_patterns:
                for name in _NAMES:
                    resources.append(
                        pattern.replace("${Partition}", "aws")
                        .replace("${Account}", ACCOUNT_ID)
                        .replace("${Region}", "us-east-1")
                        .replace("${", "{")
                        .format_map(_Everything(name))
                    )
    return sorted(set(resources))


class _Everything(dict):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def __missing__(self, key: str) -> str:
        return self.name


_RESOURCES = {service: _concrete_resources(service) for service in _SERVICES}


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(_PATTERNS), min_size=1, max_size=3, unique=True),
    st.sampled_from(_SERVICES),
)
def test_an_action_marked_foreign_has_no_request_the_patterns_leave_out(patterns, service):
    """The reference: every request of the service's actions, matched as the evaluator does."""
    foreign = SPACE.foreign_to(tuple(patterns))
    matches = arn_matcher(tuple(patterns))
    named = [resource for resource in _RESOURCES[service] if matches(resource)]
    for action in sorted(CATALOGUE.expand(f"{service}:*")):
        if foreign >> SPACE.index[action.lower()] & 1:
            assert named == [], (action, patterns, named[:3])


def test_an_s3_perimeter_marks_iam_actions_but_not_s3_ones():
    foreign = SPACE.foreign_to(("arn:aws:s3:::team-a/*",))
    assert foreign >> SPACE.index["iam:createaccesskey"] & 1
    assert foreign >> SPACE.index["iam:listroles"] & 1  # no resource type: asked on `*`
    assert not foreign >> SPACE.index["s3:getobject"] & 1
    assert SPACE.foreign_to(("arn:aws:s3:::team-a/*", "*")) == 0
    assert SPACE.foreign_to(("arn:aws:*:*:*:*",)) == 0
    wildcard_partition = SPACE.foreign_to(("arn:*:s3:::team-a/*",))
    assert not wildcard_partition >> SPACE.index["iam:createaccesskey"] & 1


def test_a_perimeter_deny_leaves_iam_actions_denied_everywhere():
    perimeter = policy_document(
        statement(action="*", resource="*"),
        statement(
            effect="Deny",
            not_action="s3:Get*",
            resource=None,
            not_resource="arn:aws:s3:::team-a/*",
        ),
    )
    snap = snapshot(users=[user("dev", inline_policies=[inline("p", perimeter)])])
    perms = PermissionIndex(snap, NOW)[user_arn("dev")]
    assert perms.denied_everywhere("iam:CreateAccessKey")
    assert not perms.can("iam:CreateAccessKey", user_arn("dev"))
    assert not perms.denied_everywhere("s3:GetObject")
    assert perms.can("s3:GetObject", "arn:aws:s3:::team-a/report.csv")
    assert perms.can("s3:PutObject", "arn:aws:s3:::team-a/report.csv")
    assert not perms.can("s3:PutObject", "arn:aws:s3:::team-b/report.csv")
    assert perms.view.denied_everywhere_among(frozenset({"iam:passrole", "s3:getobject"})) == {
        "iam:passrole"
    }


def test_a_question_on_another_services_arn_is_answered_as_the_evaluator_does():
    """iam:PassRole on an S3 ARN is a request AWS never sees; asked anyway (a candidate list
    holding one), it gets the evaluator's literal answer: outside the Deny, so allowed."""
    doc = policy_document(
        statement(
            effect="Deny", action="iam:PassRole", resource=None, not_resource="arn:aws:s3:::data"
        ),
        statement(not_action="s3:GetObject", action=None, resource="*"),
    )
    snap = snapshot(users=[user("alice", inline_policies=[inline("p", doc)])])
    perms = PermissionIndex(snap, NOW)[user_arn("alice")]
    assert perms.denied_everywhere("iam:PassRole")  # on every role, and on `*`
    role = f"arn:aws:iam::{ACCOUNT_ID}:role/app"
    assert perms.allowed_on_any("iam:PassRole", (role, "arn:aws:s3:::data")).resource == (
        "arn:aws:s3:::data"
    )
    assert not perms.can("iam:PassRole", role)
