"""Build tests/data/iam_vulnerable_gaad.json: an iam-vulnerable-style account from privesc.md.

One principal per escalation method (``privesc-<method>-user|role``, the permissions reaching it
directly, inline, through a group or on a role in turn), the traps a correct engine must flag
(``fn-...``) and must not flag (``fp-...``), and the admin roles they aim at (``target-...``).
Run ``.venv/bin/python tests/data/build_iam_vulnerable_gaad.py`` after changing the catalogue;
tests/unit/test_privesc.py checks the JSON matches this builder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.iam.privesc_methods import load_methods

OUTPUT = Path(__file__).with_name("iam_vulnerable_gaad.json")

ACCT = "123456789012"
DATE = "2025-06-01T10:00:00Z"
users: list[dict[str, Any]] = []
groups: list[dict[str, Any]] = []
roles: list[dict[str, Any]] = []
policies: list[dict[str, Any]] = []


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(actions, resource="*", **extra):
    s = {"Effect": "Allow", "Action": actions, "Resource": resource}
    s.update(extra)
    return s


def deny(actions, resource="*", **extra):
    s = {"Effect": "Deny", "Action": actions, "Resource": resource}
    s.update(extra)
    return s


def managed(name, document, aws=False, attachments=1):
    arn = f"arn:aws:iam::{'aws' if aws else ACCT}:policy/{name}"
    policies.append(
        {
            "PolicyName": name,
            "PolicyId": "ANPA" + name.upper().replace("-", "")[:16],
            "Arn": arn,
            "Path": "/",
            "DefaultVersionId": "v1",
            "AttachmentCount": attachments,
            "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": True,
            "CreateDate": DATE,
            "UpdateDate": DATE,
            "PolicyVersionList": [
                {
                    "Document": document,
                    "VersionId": "v1",
                    "IsDefaultVersion": True,
                    "CreateDate": DATE,
                }
            ],
        }
    )
    return arn


def att(*arns):
    return [{"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in arns]


def user(name, *, inline=(), managed_arns=(), groups_=(), boundary=None, tags=None):
    u = {
        "Path": "/",
        "UserName": name,
        "UserId": "AIDA" + name.upper().replace("-", "")[:17],
        "Arn": f"arn:aws:iam::{ACCT}:user/{name}",
        "CreateDate": DATE,
        "GroupList": list(groups_),
        "AttachedManagedPolicies": att(*managed_arns),
        "UserPolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in inline],
    }
    if boundary:
        u["PermissionsBoundary"] = {
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": boundary,
        }
    if tags:
        u["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    users.append(u)


def group(name, *, inline=(), managed_arns=()):
    groups.append(
        {
            "Path": "/",
            "GroupName": name,
            "GroupId": "AGPA" + name.upper().replace("-", "")[:17],
            "Arn": f"arn:aws:iam::{ACCT}:group/{name}",
            "CreateDate": DATE,
            "GroupPolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in inline],
            "AttachedManagedPolicies": att(*managed_arns),
        }
    )


def role(name, trust, *, inline=(), managed_arns=()):
    roles.append(
        {
            "Path": "/",
            "RoleName": name,
            "RoleId": "AROA" + name.upper().replace("-", "")[:17],
            "Arn": f"arn:aws:iam::{ACCT}:role/{name}",
            "CreateDate": DATE,
            "AssumeRolePolicyDocument": trust,
            "InstanceProfileList": [],
            "RolePolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in inline],
            "AttachedManagedPolicies": att(*managed_arns),
            "Tags": [],
            "RoleLastUsed": {},
        }
    )


def trust(principal):
    return doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


EC2_TRUST = trust({"Service": "ec2.amazonaws.com"})
ADMIN = managed("AdministratorAccess", doc(allow("*")), aws=True, attachments=3)
managed("target-customer-policy", doc(allow("s3:ListAllMyBuckets")), attachments=0)

# Targets: admin roles an escalation could reach.
role("target-admin-role", EC2_TRUST, managed_arns=[ADMIN])
role(
    "target-chain-admin-role",
    trust({"AWS": f"arn:aws:iam::{ACCT}:role/privesc-sts-001-hop-role"}),
    managed_arns=[ADMIN],
)
role(
    "target-direct-admin-role",
    trust({"AWS": f"arn:aws:iam::{ACCT}:user/privesc-sts-001-direct-user"}),
    managed_arns=[ADMIN],
)

# One principal per action-list method, alternating how the permissions reach it.
for i, method in enumerate(m for m in load_methods() if m.id != "sts-001"):
    name = f"privesc-{method.id}"
    document = doc(allow(list(method.actions)))
    shape = i % 4
    if method.category == "self-escalation":
        # Only the kind of principal the action targets benefits: roles for role policies,
        # users (directly or through groups) for user and group policies.
        targets_role = any("Role" in action for action in method.actions)
        if targets_role:
            shape = 2
        elif shape == 2:
            shape = 0
    if shape == 0:
        user(f"{name}-user", managed_arns=[managed(f"{name}-policy", document)])
    elif shape == 1:
        user(f"{name}-user", inline=[(f"{name}-inline", document)])
    elif shape == 2:
        role(f"{name}-role", EC2_TRUST, inline=[(f"{name}-inline", document)])
    else:
        group(f"{name}-group", inline=[(f"{name}-inline", document)])
        user(f"{name}-user", groups_=[f"{name}-group"])

# sts-001: a two-hop chain through an intermediate role, and a direct trust.
user(
    "privesc-sts-001-user",
    inline=[
        (
            "assume-hop",
            doc(allow("sts:AssumeRole", f"arn:aws:iam::{ACCT}:role/privesc-sts-001-hop-role")),
        )
    ],
)
role(
    "privesc-sts-001-hop-role",
    trust({"AWS": f"arn:aws:iam::{ACCT}:root"}),
    inline=[
        (
            "assume-admin",
            doc(allow("sts:AssumeRole", f"arn:aws:iam::{ACCT}:role/target-chain-admin-role")),
        )
    ],
)
user("privesc-sts-001-direct-user")

# Traps that must be flagged (false negatives of weaker tools).
user(
    "fn-two-policies-user",
    managed_arns=[
        managed("fn-passrole-only", doc(allow("iam:PassRole"))),
        managed("fn-run-instances-only", doc(allow("ec2:RunInstances"))),
    ],
)
user(
    "fn-resource-pattern-user",
    inline=[
        (
            "pattern",
            doc(
                allow("iam:PassRole", f"arn:aws:iam::{ACCT}:role/target-*"),
                allow(["lambda:CreateFunction", "lambda:InvokeFunction"]),
            ),
        )
    ],
)
user(
    "fn-satisfiable-condition-user",
    inline=[
        (
            "token-time",
            doc(
                allow(
                    "iam:CreatePolicyVersion",
                    Condition={"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"}},
                )
            ),
        )
    ],
)
user(
    "fn-mfa-condition-user",
    inline=[
        (
            "mfa",
            doc(
                allow(
                    "iam:AttachUserPolicy",
                    Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                )
            ),
        )
    ],
)
user(
    "fn-notaction-user",
    inline=[
        (
            "notaction",
            doc(
                {
                    "Effect": "Allow",
                    "NotAction": ["iam:Delete*", "iam:Detach*", "iam:Remove*", "s3:*"],
                    "Resource": "*",
                }
            ),
        )
    ],
)
group("fn-group", managed_arns=[managed("fn-add-user-to-group", doc(allow("iam:AddUserToGroup")))])
user("fn-group-user", groups_=["fn-group"])
user(
    "fn-self-only-user",
    inline=[
        ("self", doc(allow("iam:PutUserPolicy", f"arn:aws:iam::{ACCT}:user/${{aws:username}}")))
    ],
)
user(
    "fn-avoidable-deny-user",
    inline=[
        (
            "mfa-deny",
            doc(
                allow("iam:CreateAccessKey"),
                deny(
                    "iam:CreateAccessKey",
                    Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
                ),
            ),
        )
    ],
)
user(
    "fn-principal-tag-user",
    tags={"team": "security"},
    inline=[
        (
            "tag",
            doc(
                allow(
                    "iam:CreateLoginProfile",
                    Condition={"StringEquals": {"aws:PrincipalTag/team": "security"}},
                )
            ),
        )
    ],
)
user(
    "fn-partial-deny-user",
    inline=[
        (
            "partial",
            doc(
                allow(["iam:PassRole", "ec2:RunInstances"]),
                deny("iam:PassRole", f"arn:aws:iam::{ACCT}:role/other-*"),
            ),
        )
    ],
)

# Traps that must not be flagged (false positives of weaker tools).
user(
    "fp-allow-deny-same-policy-user",
    inline=[("both", doc(allow("iam:CreatePolicyVersion"), deny("iam:CreatePolicyVersion")))],
)
user(
    "fp-allow-deny-two-policies-user",
    managed_arns=[
        managed("fp-allow-passrole-ec2", doc(allow(["iam:PassRole", "ec2:RunInstances"]))),
        managed("fp-deny-passrole", doc(deny("iam:PassRole"))),
    ],
)
user("fp-deny-only-user", inline=[("deny-only", doc(deny("iam:*"), deny(["ec2:*", "lambda:*"])))])
user(
    "fp-aws-managed-version-user",
    inline=[
        (
            "aws-only",
            doc(
                allow(
                    ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"],
                    "arn:aws:iam::aws:policy/*",
                )
            ),
        )
    ],
)
user(
    "fp-expired-condition-user",
    inline=[
        (
            "expired",
            doc(
                allow(
                    "iam:AttachUserPolicy",
                    Condition={"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
                )
            ),
        )
    ],
)
# Self-escalation aimed at another kind of principal gains nothing on its own.
role(
    "fp-role-writes-user-and-group-policies-role",
    EC2_TRUST,
    inline=[
        (
            "user-group-writes",
            doc(allow(["iam:AttachUserPolicy", "iam:PutGroupPolicy", "iam:AddUserToGroup"])),
        )
    ],
)
user(
    "fp-user-writes-role-policy-user",
    inline=[("role-writes", doc(allow(["iam:PutRolePolicy", "iam:AttachRolePolicy"])))],
)
user(
    "fp-passrole-no-target-user",
    inline=[
        (
            "no-target",
            doc(
                allow("iam:PassRole", f"arn:aws:iam::{ACCT}:role/nonexistent-*"),
                allow("ec2:RunInstances"),
            ),
        )
    ],
)
user(
    "fp-notresource-passrole-user",
    inline=[
        (
            "notresource",
            doc(
                {
                    "Effect": "Allow",
                    "Action": ["iam:PassRole", "ec2:RunInstances"],
                    "NotResource": "arn:aws:iam::*:role/*",
                }
            ),
        )
    ],
)
user(
    "fp-principal-tag-user",
    tags={"team": "dev"},
    inline=[
        (
            "tag",
            doc(
                allow(
                    "iam:CreateLoginProfile",
                    Condition={"StringEquals": {"aws:PrincipalTag/team": "security"}},
                )
            ),
        )
    ],
)
managed("fp-boundary-s3-read", doc(allow("s3:GetObject")), attachments=0)
user(
    "fp-boundary-user",
    boundary=f"arn:aws:iam::{ACCT}:policy/fp-boundary-s3-read",
    inline=[
        (
            "iam-write",
            doc(
                allow(
                    [
                        "iam:Put*",
                        "iam:Attach*",
                        "iam:CreatePolicyVersion",
                        "iam:PassRole",
                        "ec2:RunInstances",
                    ]
                )
            ),
        )
    ],
)
group("fp-deny-group", inline=[("deny-put", doc(deny("iam:Put*")))])
user(
    "fp-group-deny-user",
    groups_=["fp-deny-group"],
    inline=[("put", doc(allow("iam:PutUserPolicy")))],
)
user(
    "fp-deny-notaction-user",
    inline=[
        (
            "guard",
            doc(
                allow(["lambda:*", "iam:PassRole"]),
                {"Effect": "Deny", "NotAction": ["lambda:Get*", "lambda:List*"], "Resource": "*"},
            ),
        )
    ],
)
user("fp-readonly-user", inline=[("read", doc(allow(["s3:GetObject", "ec2:Describe*"], "*")))])

GAAD = {
    "UserDetailList": users,
    "GroupDetailList": groups,
    "RoleDetailList": roles,
    "Policies": policies,
}


def render() -> str:
    return json.dumps(GAAD, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"{OUTPUT}: {len(users)} users, {len(groups)} groups, {len(roles)} roles")
