"""Two-step chains between roles that both escalate on their own.

A role that escalates itself (here: it may write its own inline policy, iam-005) and can also
assume another escalating role gets that one-hop chain too (the landing-zone account's
PowerUserAccess role and the CDK deploy role: the first one's own methods need existing
resources, the second's do not). Those reaching the first role keep their shortest chain,
which ends there.
"""

from __future__ import annotations

from bot.iam.effective import PermissionIndex
from bot.iam.privesc import find_escalations, trust_chains
from tests.factories import (
    NOW,
    account_arn,
    allow,
    inline,
    policy_document,
    role,
    role_arn,
    snapshot,
    statement,
    trust_policy,
    user,
    user_arn,
)


def _self_writer(name: str, *extra: dict) -> object:
    document = policy_document(
        statement(action="iam:PutRolePolicy", resource=role_arn(name)), *extra
    )
    return role(
        name,
        trust=trust_policy({"AWS": account_arn()}),
        inline_policies=[inline("own", document)],
    )


def _account():
    first = _self_writer("first", statement(action="sts:AssumeRole", resource=role_arn("second")))
    second = _self_writer("second")
    reacher = user(
        "reacher",
        groups=(),
        inline_policies=[inline("hop", allow("sts:AssumeRole", role_arn("first")))],
    )
    return snapshot(users=[reacher], roles=[first, second])


def test_an_escalating_role_gets_its_hop_to_another_escalating_role():
    index = PermissionIndex(_account(), NOW)
    chains = trust_chains(index, [role_arn("first"), role_arn("second")])
    assert chains[role_arn("first")] == (role_arn("first"), role_arn("second"))
    # The user reaching the first role keeps its one-hop chain, which ends there.
    assert chains[user_arn("reacher")] == (user_arn("reacher"), role_arn("first"))
    assert role_arn("second") not in chains


def test_the_hop_reaches_the_finding_with_the_other_roles_methods():
    found = find_escalations(PermissionIndex(_account(), NOW))
    first = {m.method.id: m for m in found[role_arn("first")].methods}
    assert first["sts-001"].chain == (role_arn("first"), role_arn("second"))
    assert "iam-005" in first["sts-001"].enables
    assert "sts-001" not in {m.method.id for m in found[role_arn("second")].methods}
