"""Account shapes hostile to one code path each: the shapes that once took minutes or gigabytes.

Each builder returns a GAAD document (the output of `aws iam get-account-authorization-details`)
small enough to generate in a second, large enough that a quadratic path shows: principals x
roles, statements x statements, statements x catalogue formats. `bench.stress` times the audit on
each; `--scale` multiplies the principal counts.

What each shape stresses, and what it cost on 2026-12-05 before the fix that followed:

- trust-hub: 500 admin roles trust the account; 10,000 users may assume only their team's
  roles. Trust chains tried every user on every admin role: 71.7 s, 1.84 GB.
- trust-guarded: 100 admin roles trust the account only for callers tagged breakglass=yes, which
  none of the 5,000 users (all allowed sts:AssumeRole on `*`) is. Every (user, role) pair asked
  the identity policies although the trust had already said no: 5.2 s. Then every pair still
  asked the trust (2.3 s of escalation search; 20 s at --scale 3, quadratic); on 2026-12-06 the
  trust was asked once per group of callers it cannot tell apart: 0.06 s (0.2 s at --scale 3,
  0.7 s for 50,000 users and 1,000 roles at --scale 10).
- passrole-lesser: 10,000 users hold iam:PassRole on `*` and lambda:CreateFunction; 5,000
  Lambda roles, all less privileged. Every user walked every role: 168.8 s, 7.05 GB.
- passrole-varied: 5,000 users, 2,000 roles of 1,365 action sets (too many kinds to group);
  each user's second statement grants 11 service wildcards on its own S3 prefix (resource fit
  tried every ec2/kms/... format against the S3 ARN): 26 s.
  (Since 2026-12-07 the roles are granted on `arn:aws:s3:::shared-*`, not `*`: richness now
  counts a grant on every resource as more than the users' grants on their prefix, and the
  roles must stay lesser for the walk to be the one tested; passrole-fenced likewise.)
- long-policies: 200 policies of 300 statements (beyond IAM's size limit; files linted from
  disk have none). Redundant-statement pairs: 11.8 s.
- lint-heavy: 1,000 customer policies of 5-40 statements, each user attaching 3: 5.7 s.
- abac: 10,000 users and 10,000 roles sharing a policy keyed on `${aws:PrincipalTag/team}`
  (resolved per distinct tag value, not per principal): 2.2 s.

Found on 2026-12-06 (the figure is before the fix):

- perimeter: 500 policies mixing Allow NotAction, Allow iam:* with NotResource and a data
  perimeter (Deny NotAction ... NotResource: everything but the team's bucket); 5,000 users and
  3,000 roles attach two. Every holder of a perimeter walked every role and user in the account
  for each IAM action, deciding each to be denied: 208 s, 5.9 GB.
- resource-lists: 500 policies of 10 statements, each listing 100 S3 object, DynamoDB table or
  IAM role ARNs (500,000 in all); 5,000 users attach three, 2,000 roles one. The ARN linter ran
  a glob-intersection search per ARN and format: 59 s. Since iam-012 asks for an existing richer
  role (2026-12-07), the listed role ARNs (none of which exists) were matched against every role
  per user: 18.1 s and 525 MB against 11.2 s and 300 MB, until literal ARNs were looked up and
  pattern sets naming no role kept no cache entry (9.9 s, 202 MB); its users' 6,948 iam-012
  findings on roles that do not exist are gone.
- conditions: 1,000 policies of 2-8 statements, most under one to four conditions (source IP,
  MFA, dates, tags, ARNs, multi-valued keys, variables, IfExists, Null); 5,000 users and 5,000
  roles attach three. Each distinct set of iam:PassRole patterns kept its own copy of the
  roles they cover (all of them, when one pattern is `*`): 10.4 s, 890 MB.
- action-lists: 1,000 policies naming 100-600 catalogue actions each, half of them on three
  resource ARNs (least-privilege policies generated from usage look like this); 5,000 users
  and 3,000 roles attach two. Every policy set kept its own lower-case copy of its policies'
  actions: 13.5 s, 822 MB.
- groups: 10,000 users, each in 8 of 300 groups (two inline and two managed policies each) and
  attaching up to two of 600 policies; statements grant on `*` and on narrower ARNs alike.
  An action allowed on `*` that another statement also scoped was decided on its probe ARNs
  anew for every policy set: 15.4 s.

Added later on 2026-12-06, for the code added that day (two-step chains, user takeover) and for
account kinds none of the above is: CPU seconds and peak RSS of the whole audit at --scale 1
and 2, this engine against 23ab376 (before both) in the same bench.stress run, 2 shared cores:

- assume-mesh: 2,000 roles trusting the account, no administrator, two in three escalating
  themselves (iam:PutRolePolicy on itself or iam:CreatePolicyVersion); 5,000 users and every
  role allowed sts:AssumeRole on `*`: every principal holds a two-step chain. 4.7 s / 216 MB
  (23ab376: 4.0 s / 188 MB), 9.8 s / 383 MB at --scale 2 (8.7 s): linear, the second search
  costs about 0.8 s.
- chain-hub: the same roles, named for 50 teams; 10,000 users of 500 teams allowed
  sts:AssumeRole only on `role/team<n>-*`, so nine in ten reach no role and stay unplaced
  while each of the 1,333 escalating roles is seeded in turn, and each seed filters every
  unplaced caller's scope (_AssumeScopes.allowing, for every role the search reaches):
  9.7 s / 208 MB (23ab376: 3.6 s / 185 MB; escalation search 0.45 s -> 7.1 s), 25.5 s at
  --scale 2 (7.4 s): quadratic, reached roles x unplaced callers.
- takeover / takeover-report: 5,000 users; 3,000 hold iam:CreateAccessKey (alone, or with
  Create/UpdateLoginProfile) on `*`, each with its own bucket (a policy set each); 500
  administrators; 1,500 richer users of almost all distinct action sets (more kinds than
  TargetFinder groups). Without a credential report the first administrator is the target:
  3.5 s (23ab376: 3.5 s), 6.4 s at --scale 2. With one (takeover-report) that shows every
  administrator with a password and two keys, each holder's walk (_walk_richer, user by user,
  never cut short since an administrator is among the targets) yields the refused
  administrators and then judges thousands of lesser holders before a richer user: 19.5-23 s
  (23ab376: 4.1-4.9 s), 75 s at --scale 2 (9.2 s): quadratic, holders' policy sets x users.
- sso: an IAM Identity Center account: 3,000 AWSReservedSSO_* roles under
  /aws-reserved/sso.amazonaws.com/ trusting the SAML provider, no IAM user; 500 Lambda roles.
  5.4 s / 204 MB (23ab376: 5.3 s), 11.7 s at --scale 2: linear.
- service-linked: 5,000 service-linked roles (20 services, broad AWS-managed policies), 2,000
  PassRole holders, 200 Lambda roles: 1.9 s / 117 MB (1.8 s), 3.7 s at --scale 2.
- passrole-patterns: 5,000 users each allowed iam:PassRole on its own `role/*-svc<i>-*` and
  iam:CreatePolicyVersion on `policy/*-<i>`; 5,000 Lambda roles, 2,000 customer policies.
  Every distinct pattern is matched against every role (_hits: its longest literal is the
  `arn:aws:iam::<account>:role/` every role holds, so no pre-filter): 20.9 s (23ab376: 20.3 s),
  62 s at --scale 2 (quadratic, not a regression).
- passrole-fenced: passrole-varied's 5,000 users (11 service wildcards, their own S3 prefix)
  and 2,000 lesser Lambda roles, plus one administrator Lambda role that every user's Deny
  on `role/admin-*` fences off. The administrator is tried first and denied; with an
  administrator among the targets _walk_richer is never cut short, so every policy set
  judges all 2,000 roles: 32 s / 396 MB (23ab376: 30 s / 451 MB; escalation search 23 s),
  107 s / 731 MB at --scale 2 (115 s): quadratic, not a regression.
- not-mixes: 500 policies stacking Allow NotAction + NotResource, Deny NotAction +
  NotResource under IfExists/Null, Allow iam:* NotResource under a resource-tag condition
  keyed on a principal tag, Deny * NotResource on principal tags; 5,000 tagged users, 3,000
  roles. 15,800 policy sets; principal.admin_equivalent tries ~100 scoped actions on their
  probes for every set: 13.5 s / 440 MB (23ab376: 12.1 s), 33 s / 694 MB at --scale 2.
- tiny-inline: 10,000 users with 10 one-statement inline policies and 2,000 roles with 5
  (110,000 documents): 21.9 s / 825 MB (23ab376: 21.9 s / 878 MB), 47 s / 1.53 GB at
  --scale 2: linear but about 7 KB per document.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable
from typing import Any

ACCOUNT_ID = "123456789012"
_CREATED = "2024-01-01T00:00:00Z"
_ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
Document = dict[str, Any]


def _count(full: int, scale: float) -> int:
    return max(1, int(full * scale))


def _doc(*statements: Document) -> Document:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _user(index: int, *, inline: list[Document] = (), attached: list[str] = ()) -> Document:  # type: ignore[assignment]
    return {
        "UserName": f"u{index}",
        "UserId": f"AIDA{index:016d}",
        "Arn": f"arn:aws:iam::{ACCOUNT_ID}:user/u{index}",
        "Path": "/",
        "CreateDate": _CREATED,
        "GroupList": [],
        "AttachedManagedPolicies": [
            {"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in attached
        ],
        "Tags": [],
        "UserPolicyList": [
            {"PolicyName": f"p{k}", "PolicyDocument": d} for k, d in enumerate(inline)
        ],
    }


def _role(
    name: str,
    trust: Document,
    *,
    inline: list[Document] = (),
    attached: list[str] = (),  # type: ignore[assignment]
) -> Document:
    return {
        "RoleName": name,
        "RoleId": "AROA" + name.upper().replace("-", "")[:16],
        "Arn": f"arn:aws:iam::{ACCOUNT_ID}:role/{name}",
        "Path": "/",
        "CreateDate": _CREATED,
        "AssumeRolePolicyDocument": trust,
        "InstanceProfileList": [],
        "RolePolicyList": [
            {"PolicyName": f"p{k}", "PolicyDocument": d} for k, d in enumerate(inline)
        ],
        "AttachedManagedPolicies": [
            {"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in attached
        ],
        "Tags": [],
        "RoleLastUsed": {},
    }


def _managed(name: str, document: Document, *, arn: str | None = None) -> Document:
    arn = arn or f"arn:aws:iam::{ACCOUNT_ID}:policy/{name}"
    return {
        "PolicyName": name,
        "PolicyId": "ANPA" + name.upper().replace("-", "")[:16],
        "Arn": arn,
        # IAM writes the ARN from the path and the name (the loader checks they agree).
        "Path": arn.split(":", 5)[5].removeprefix("policy").removesuffix(name),
        "DefaultVersionId": "v1",
        "AttachmentCount": 1,
        "IsAttachable": True,
        "CreateDate": _CREATED,
        "UpdateDate": _CREATED,
        "PolicyVersionList": [
            {
                "Document": document,
                "VersionId": "v1",
                "IsDefaultVersion": True,
                "CreateDate": _CREATED,
            }
        ],
    }


def _service_trust(service: str) -> Document:
    return _doc({"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"})


def _gaad(users=(), roles=(), policies=(), groups=()) -> Document:  # type: ignore[no-untyped-def]
    return {
        "UserDetailList": list(users),
        "GroupDetailList": list(groups),
        "RoleDetailList": list(roles),
        "Policies": list(policies),
    }


def _administrator_access() -> Document:
    return _managed(
        "AdministratorAccess",
        _doc({"Effect": "Allow", "Action": "*", "Resource": "*"}),
        arn=_ADMIN_ARN,
    )


def _account_trust(**condition: Any) -> Document:
    """A trust letting in the account (its root), under ``condition`` if given."""
    statement: Document = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return _doc(statement)


def trust_hub(scale: float, rng: random.Random) -> Document:
    root_trust = _account_trust()
    roles = [
        _role(f"admin{j}", root_trust, attached=[_ADMIN_ARN]) for j in range(_count(500, scale))
    ]
    users = [
        _user(
            i,
            inline=[
                _doc(
                    {
                        "Effect": "Allow",
                        "Action": "sts:AssumeRole",
                        "Resource": f"arn:aws:iam::{ACCOUNT_ID}:role/team{i % 50}-*",
                    }
                )
            ],
        )
        for i in range(_count(10_000, scale))
    ]
    return _gaad(users, roles, [_administrator_access()])


def trust_guarded(scale: float, rng: random.Random) -> Document:
    guarded = _account_trust(StringEquals={"aws:PrincipalTag/breakglass": "yes"})
    roles = [_role(f"admin{j}", guarded, attached=[_ADMIN_ARN]) for j in range(_count(100, scale))]
    return _gaad(_assumers(_count(5_000, scale)), roles, [_administrator_access()])


def trust_personal(scale: float, rng: random.Random) -> Document:
    """Roles trusting the account but only named callers, the usual way to fence a role in:
    ``aws:PrincipalArn`` (listed ARNs or a name prefix) or ``aws:username``. Every caller has
    its own value of those keys, so grouping callers by value groups nothing."""
    users_count = _count(5_000, scale)
    roles = []
    for j in range(_count(100, scale)):
        picked = [f"arn:aws:iam::{ACCOUNT_ID}:user/u{rng.randrange(users_count)}" for _ in range(3)]
        if j % 3 == 0:
            condition = {
                "ArnLike": {"aws:PrincipalArn": [*picked, f"arn:aws:iam::{ACCOUNT_ID}:user/u{j}*"]}
            }
        elif j % 3 == 1:
            condition = {"ArnEquals": {"aws:PrincipalArn": picked}}
        else:
            condition = {"StringEquals": {"aws:username": [p.rsplit("/", 1)[-1] for p in picked]}}
        roles.append(_role(f"admin{j}", _account_trust(**condition), attached=[_ADMIN_ARN]))
    return _gaad(_assumers(users_count), roles, [_administrator_access()])


def _assumers(count: int) -> list[Document]:
    """Users u0, u1, ... allowed sts:AssumeRole on any role (and their own bucket's objects)."""
    return [
        _user(
            i,
            inline=[
                _doc(
                    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
                    {
                        "Effect": "Allow",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::u{i}/*",
                    },
                )
            ],
        )
        for i in range(count)
    ]


def _deployer(index: int, own_actions: str | list[str]) -> Document:
    """A user who may create Lambda functions and pass them any role, and use ``own_actions``
    on its own S3 prefix."""
    deploy = {
        "Effect": "Allow",
        "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"],
        "Resource": "*",
    }
    own = {"Effect": "Allow", "Action": own_actions, "Resource": f"arn:aws:s3:::u{index}/*"}
    return _user(index, inline=[_doc(deploy, own)])


def _lambda_roles(count: int, arns: list[str], per: int, rng: random.Random) -> list[Document]:
    """Roles r0, r1, ... that Lambda may assume, each attaching ``per`` of ``arns``."""
    return [
        _role(
            f"r{j}",
            _service_trust("lambda.amazonaws.com"),
            attached=rng.sample(arns, min(per, len(arns))),
        )
        for j in range(count)
    ]


def _lambda_role(index: int, actions: list[str], resource: str) -> Document:
    """A role Lambda may assume, allowed ``actions`` on ``resource``."""
    grant = {"Effect": "Allow", "Action": actions, "Resource": resource}
    return _role(f"fn{index}", _service_trust("lambda.amazonaws.com"), inline=[_doc(grant)])


def passrole_lesser(scale: float, rng: random.Random) -> Document:
    roles = [
        _lambda_role(j, ["s3:GetObject"], f"arn:aws:s3:::b{j}/*")
        for j in range(_count(5_000, scale))
    ]
    users = [_deployer(i, "s3:*") for i in range(_count(10_000, scale))]
    return _gaad(users, roles)


_ROLE_ACTIONS = (
    "s3:GetObject", "s3:PutObject", "s3:ListBucket", "dynamodb:GetItem", "dynamodb:Query",
    "sqs:SendMessage", "kms:Decrypt", "logs:PutLogEvents", "sns:Publish", "ssm:GetParameter",
    "ec2:DescribeInstances", "lambda:InvokeFunction", "xray:PutTraceSegments",
    "cloudwatch:PutMetricData", "secretsmanager:GetSecretValue",
)  # fmt: skip
_USER_WILDCARDS = (
    "s3:*", "dynamodb:*", "sqs:*", "kms:*", "logs:*", "sns:*", "ssm:*", "ec2:*", "xray:*",
    "cloudwatch:*", "secretsmanager:*",
)  # fmt: skip


# What passrole-varied's roles are granted on: some resources, as their users' wildcards are,
# so that no role is richer (richness compares a grant on every resource with one on some).
_SOME_BUCKETS = "arn:aws:s3:::shared-*"


def passrole_varied(scale: float, rng: random.Random) -> Document:
    roles = [
        _lambda_role(j, rng.sample(_ROLE_ACTIONS, 4), _SOME_BUCKETS)
        for j in range(_count(2_000, scale))
    ]
    users = [_deployer(i, list(_USER_WILDCARDS)) for i in range(_count(5_000, scale))]
    return _gaad(users, roles)


_LINT_ACTIONS = (
    "s3:GetObject", "s3:PutObject", "s3:ListBucket", "dynamodb:GetItem", "dynamodb:Query",
    "sqs:SendMessage", "kms:Decrypt", "kms:Encrypt", "logs:PutLogEvents", "ec2:Describe*",
    "lambda:InvokeFunction", "sns:Publish", "secretsmanager:GetSecretValue", "ssm:GetParameter",
    "iam:PassRole", "s3:*", "ec2:*Instance*",
)  # fmt: skip


def _long_policy(k: int, statements: int, rng: random.Random) -> Document:
    found = []
    for n in range(statements):
        actions = rng.sample(_LINT_ACTIONS, rng.randint(1, 4))
        service = actions[0].split(":")[0]
        resource = rng.choice(
            (
                "*",
                f"arn:aws:s3:::bk{k}-{n}/*",
                f"arn:aws:{service}:us-east-1:{ACCOUNT_ID}:x{n}",
                f"arn:aws:iam::{ACCOUNT_ID}:role/r{n}-*",
                f"arn:aws:dynamodb:us-east-1:{ACCOUNT_ID}:table/t{n}",
            )
        )
        statement = {
            "Sid": f"S{n}",
            "Effect": rng.choice(["Allow"] * 5 + ["Deny"]),
            "Action": actions,
            "Resource": resource,
        }
        if rng.random() < 0.2:
            statement["Condition"] = {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}
        found.append(statement)
    return _doc(*found)


def long_policies(scale: float, rng: random.Random) -> Document:
    policies = [_managed(f"long{k}", _long_policy(k, 300, rng)) for k in range(_count(200, scale))]
    arns = [p["Arn"] for p in policies]
    users = [
        _user(i, attached=rng.sample(arns, min(3, len(arns)))) for i in range(_count(2_000, scale))
    ]
    return _gaad(users, (), policies)


def lint_heavy(scale: float, rng: random.Random) -> Document:
    policies = [
        _managed(f"p{k}", _long_policy(k, rng.randint(5, 40), rng))
        for k in range(_count(1_000, scale))
    ]
    arns = [p["Arn"] for p in policies]
    users = [
        _user(i, attached=rng.sample(arns, min(3, len(arns)))) for i in range(_count(1_000, scale))
    ]
    return _gaad(users, (), policies)


def abac(scale: float, rng: random.Random) -> Document:
    teams = [f"t{k}" for k in range(50)]
    tagged = _managed(
        "abac",
        _doc(
            {
                "Effect": "Allow",
                "Action": [
                    "ec2:StartInstances",
                    "ec2:StopInstances",
                    "iam:PassRole",
                    "s3:GetObject",
                ],
                "Resource": [
                    "arn:aws:s3:::${aws:PrincipalTag/team}/*",
                    "arn:aws:ec2:*:*:instance/*",
                    f"arn:aws:iam::{ACCOUNT_ID}:role/${{aws:PrincipalTag/team}}-*",
                ],
                "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}},
            },
            {
                "Effect": "Allow",
                "Action": "iam:CreateAccessKey",
                "Resource": f"arn:aws:iam::{ACCOUNT_ID}:user/${{aws:username}}",
            },
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:PrincipalTag/env": "prod"}},
            },
        ),
    )
    ops = _managed(
        "ops",
        _doc(
            {
                "Effect": "Allow",
                "Action": ["lambda:*", "iam:PassRole"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/ops": "yes"}},
            }
        ),
    )
    users = []
    for i in range(_count(10_000, scale)):
        user = _user(i, attached=[tagged["Arn"], ops["Arn"]] if i % 3 == 0 else [tagged["Arn"]])
        user["Tags"] = [
            {"Key": "team", "Value": rng.choice(teams)},
            {"Key": "env", "Value": rng.choice(["prod", "dev"])},
            *([{"Key": "ops", "Value": "yes"}] if i % 7 == 0 else []),
        ]
        users.append(user)
    roles = []
    for j in range(_count(10_000, scale)):
        role = _role(
            f"{rng.choice(teams)}-r{j}",
            _service_trust("lambda.amazonaws.com"),
            attached=[tagged["Arn"]],
        )
        role["Tags"] = [
            {"Key": "team", "Value": rng.choice(teams)},
            {"Key": "env", "Value": "prod"},
        ]
        roles.append(role)
    return _gaad(users, roles, [tagged, ops])


_SERVICES = (
    "iam", "s3", "ec2", "kms", "sts", "organizations", "lambda", "dynamodb", "ssm",
    "secretsmanager",
)  # fmt: skip


def perimeter(scale: float, rng: random.Random) -> Document:
    policies = []
    for k in range(_count(500, scale)):
        statements = [
            {
                "Effect": "Allow",
                "NotAction": [f"{s}:*" for s in rng.sample(_SERVICES, 3)],
                "Resource": "*",
            },
            {
                "Effect": "Deny",
                "NotAction": [f"{s}:Get*" for s in rng.sample(_SERVICES, 2)],
                "NotResource": [f"arn:aws:s3:::team{k}/*"],
            },
            {
                "Effect": "Allow",
                "Action": "iam:*",
                "NotResource": [
                    f"arn:aws:iam::{ACCOUNT_ID}:role/admin*",
                    f"arn:aws:iam::{ACCOUNT_ID}:user/root*",
                ],
            },
        ]
        chosen = rng.sample(statements, rng.randint(1, 3))
        policies.append(_managed(f"perimeter{k}", _doc(*chosen)))
    arns = [p["Arn"] for p in policies]
    users = [_user(i, attached=rng.sample(arns, 2)) for i in range(_count(5_000, scale))]
    return _gaad(users, _lambda_roles(_count(3_000, scale), arns, 2, rng), policies)


_LISTED = {
    "s3": (
        ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        "arn:aws:s3:::bucket{k}-{j}/obj{m}/*",
    ),
    "dynamodb": (["dynamodb:*"], "arn:aws:dynamodb:us-east-1:{account}:table/t{k}-{j}-{m}"),
    "iam": (
        ["iam:PassRole", "iam:GetRole", "iam:UpdateAssumeRolePolicy"],
        "arn:aws:iam::{account}:role/svc{k}-{j}-{m}",
    ),
}


def resource_lists(scale: float, rng: random.Random) -> Document:
    policies = []
    for k in range(_count(500, scale)):
        statements = []
        for j in range(10):
            actions, arn = _LISTED[rng.choice(sorted(_LISTED))]
            resources = [arn.format(k=k, j=j, m=m, account=ACCOUNT_ID) for m in range(100)]
            statements.append({"Effect": "Allow", "Action": actions, "Resource": resources})
        policies.append(_managed(f"listed{k}", _doc(*statements)))
    arns = [p["Arn"] for p in policies]
    users = [_user(i, attached=rng.sample(arns, 3)) for i in range(_count(5_000, scale))]
    roles = [
        _role(f"svc{j}", _service_trust("lambda.amazonaws.com"), attached=[rng.choice(arns)])
        for j in range(_count(2_000, scale))
    ]
    return _gaad(users, roles, policies)


def _conditions(n: int) -> list[Document]:
    """Condition blocks of many kinds (the n-th variant of each)."""
    return [
        {"IpAddress": {"aws:SourceIp": [f"10.{n % 250}.0.0/16", "192.168.1.0/24"]}},
        {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        {"DateGreaterThan": {"aws:CurrentTime": "2025-01-01T00:00:00Z"}},
        {"StringLike": {"aws:PrincipalTag/team": f"t{n % 30}*"}},
        {"ArnLike": {"aws:SourceArn": f"arn:aws:lambda:*:{ACCOUNT_ID}:function:f{n}*"}},
        {"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b", f"k{n}"]}},
        {"StringEquals": {"aws:ResourceTag/owner": "${aws:username}"}},
        {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
        {"StringNotEqualsIfExists": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}},
        {"Null": {"aws:TokenIssueTime": "false"}},
    ]


def _conditioned_statement(n: int, rng: random.Random) -> Document:
    statement: Document = {
        "Effect": "Deny" if rng.random() < 0.1 else "Allow",
        "Action": rng.sample(_LINT_ACTIONS, rng.randint(1, 4)),
        "Resource": rng.choice(
            ["*", f"arn:aws:s3:::b{n}/*", f"arn:aws:iam::{ACCOUNT_ID}:role/r{n}-*"]
        ),
    }
    if rng.random() < 0.8:
        condition: Document = {}
        for block in rng.sample(_conditions(n), rng.randint(1, 4)):
            for operator, keys in block.items():
                condition.setdefault(operator, {}).update(keys)
        statement["Condition"] = condition
    return statement


def conditions(scale: float, rng: random.Random) -> Document:
    policies = [
        _managed(
            f"c{k}",
            _doc(*[_conditioned_statement(k * 10 + j, rng) for j in range(rng.randint(2, 8))]),
        )
        for k in range(_count(1_000, scale))
    ]
    arns = [p["Arn"] for p in policies]
    users = []
    for i in range(_count(5_000, scale)):
        user = _user(i, attached=rng.sample(arns, min(3, len(arns))))
        user["Tags"] = [{"Key": "team", "Value": f"t{rng.randrange(40)}"}]
        users.append(user)
    return _gaad(users, _lambda_roles(_count(5_000, scale), arns, 3, rng), policies)


def action_lists(scale: float, rng: random.Random) -> Document:
    from bot.iam.catalogue import default_catalogue  # noqa: PLC0415 - only this shape needs it

    names = sorted(default_catalogue().all_actions())
    policies = []
    for k in range(_count(1_000, scale)):
        count = rng.randint(100, 600)
        actions = rng.sample(names, count)
        scoped = [
            f"arn:aws:s3:::b{k}/*",
            f"arn:aws:dynamodb:us-east-1:{ACCOUNT_ID}:table/t{k}",
            f"arn:aws:iam::{ACCOUNT_ID}:role/app{k}-*",
        ]
        statements = [
            {"Effect": "Allow", "Action": actions[: count // 2], "Resource": "*"},
            {"Effect": "Allow", "Action": actions[count // 2 :], "Resource": scoped},
        ]
        policies.append(_managed(f"al{k}", _doc(*statements)))
    arns = [p["Arn"] for p in policies]
    users = [
        _user(i, attached=rng.sample(arns, min(2, len(arns)))) for i in range(_count(5_000, scale))
    ]
    return _gaad(users, _lambda_roles(_count(3_000, scale), arns, 2, rng), policies)


def _group(name: str, inline: list[Document], attached: list[str]) -> Document:
    return {
        "GroupName": name,
        "GroupId": "AGPA" + name.upper()[:16],
        "Arn": f"arn:aws:iam::{ACCOUNT_ID}:group/{name}",
        "Path": "/",
        "CreateDate": _CREATED,
        "GroupPolicyList": [
            {"PolicyName": f"g{k}", "PolicyDocument": d} for k, d in enumerate(inline)
        ],
        "AttachedManagedPolicies": [
            {"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in attached
        ],
    }


def _team_statement(n: int, rng: random.Random) -> Document:
    return {
        "Effect": "Allow",
        "Action": rng.sample(_LINT_ACTIONS, rng.randint(1, 4)),
        "Resource": rng.choice(
            ["*", f"arn:aws:s3:::b{n}/*", f"arn:aws:iam::{ACCOUNT_ID}:role/r{n}-*"]
        ),
    }


def groups(scale: float, rng: random.Random) -> Document:
    policies = [
        _managed(
            f"gp{k}", _doc(*[_team_statement(k * 10 + j, rng) for j in range(rng.randint(1, 6))])
        )
        for k in range(_count(600, scale))
    ]
    arns = [p["Arn"] for p in policies]
    count = _count(300, scale)
    group_list = [
        _group(
            f"grp{g}",
            [_doc(*[_team_statement(g * 7 + j, rng) for j in range(3)]) for _ in range(2)],
            rng.sample(arns, min(2, len(arns))),
        )
        for g in range(count)
    ]
    users = []
    for i in range(_count(10_000, scale)):
        user = _user(i, attached=rng.sample(arns, min(rng.randint(0, 2), len(arns))))
        user["GroupList"] = [f"grp{g}" for g in rng.sample(range(count), min(8, count))]
        users.append(user)
    return _gaad(users, (), policies, group_list)


# --- shapes added on 2026-12-06: two-step chains, user takeover, SSO, service-linked... --------


def _escalating_inline(j: int) -> list[Document]:
    """Role r{j}'s own policy: one in three may write a policy onto itself (iam:PutRolePolicy on
    its own ARN), one in three may rewrite customer policy p{j % 50} (iam:CreatePolicyVersion),
    the rest only read their bucket; every one may assume any role."""
    statements: list[Document] = [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::r{j}/*"},
    ]
    if j % 3 == 0:
        statements.append(
            {
                "Effect": "Allow",
                "Action": "iam:PutRolePolicy",
                "Resource": f"arn:aws:iam::{ACCOUNT_ID}:role/r{j}",
            }
        )
    elif j % 3 == 1:
        statements.append(
            {
                "Effect": "Allow",
                "Action": ["iam:CreatePolicyVersion", "iam:GetPolicy"],
                "Resource": f"arn:aws:iam::{ACCOUNT_ID}:policy/p{j % 50}",
            }
        )
    return [_doc(*statements)]


def assume_mesh(scale: float, rng: random.Random) -> Document:
    """2,000 roles trusting the account, 5,000 users and every role allowed sts:AssumeRole on
    `*`, no administrator anywhere: two in three roles escalate themselves, so every principal
    reaches one in two steps (the chains to escalating roles searched after those to admins)."""
    trust = _account_trust()
    roles = [
        _role(f"r{j}", trust, inline=_escalating_inline(j)) for j in range(_count(2_000, scale))
    ]
    policies = [
        _managed(f"p{k}", _doc({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}))
        for k in range(50)
    ]
    return _gaad(_assumers(_count(5_000, scale)), roles, policies)


def chain_hub(scale: float, rng: random.Random) -> Document:
    """:func:`trust_hub` for two-step chains: 2,000 roles trusting the account, none an
    administrator, two in three escalating themselves (:func:`_escalating_inline`), named
    for 50 teams; 10,000 users of 500 teams, each allowed sts:AssumeRole only on its team's
    roles, so nine in ten can reach none and stay unplaced while every escalating role is
    seeded in turn."""
    trust = _account_trust()
    roles = [
        _role(f"team{j % 50}-r{j}", trust, inline=_escalating_inline(j))
        for j in range(_count(2_000, scale))
    ]
    users = [
        _user(
            i,
            inline=[
                _doc(
                    {
                        "Effect": "Allow",
                        "Action": "sts:AssumeRole",
                        "Resource": f"arn:aws:iam::{ACCOUNT_ID}:role/team{i % 500}-*",
                    }
                )
            ],
        )
        for i in range(_count(10_000, scale))
    ]
    policies = [
        _managed(f"p{k}", _doc({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}))
        for k in range(50)
    ]
    return _gaad(users, roles, policies)


_TAKEOVER = ["iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"]


def takeover(scale: float, rng: random.Random) -> Document:
    """5,000 users: 3,000 hold the user takeover actions on `*` (all three, or CreateAccessKey
    alone) beside their own bucket; 500 administrators; 1,500 richer users, each allowed its
    own set of 4 of 26 actions and service wildcards (almost all distinct: more kinds than
    TargetFinder groups at any scale)."""
    holders = _count(3_000, scale)
    admins = _count(500, scale)
    richer = _count(1_500, scale)
    users = []
    for i in range(holders + admins + richer):
        if i < holders:
            actions = _TAKEOVER if i % 2 else _TAKEOVER[:1]
            inline = [
                _doc(
                    {"Effect": "Allow", "Action": actions, "Resource": "*"},
                    {"Effect": "Allow", "Action": "s3:*", "Resource": f"arn:aws:s3:::u{i}/*"},
                )
            ]
            users.append(_user(i, inline=inline))
        elif i < holders + admins:
            users.append(_user(i, attached=[_ADMIN_ARN]))
        else:
            actions = rng.sample(_ROLE_ACTIONS + _USER_WILDCARDS, 4)
            grant = {"Effect": "Allow", "Action": actions, "Resource": "*"}
            users.append(_user(i, inline=[_doc(grant)]))
    return _gaad(users, (), [_administrator_access()])


def takeover_report(scale: float, rng: random.Random) -> Document:
    """:func:`takeover`'s account; its credential report (:func:`credential_report`) shows
    every administrator with a password and two keys: the call fails on each of them for
    holders of CreateAccessKey alone, who must look further, at the richer non-admin users."""
    return takeover(scale, rng)


def _takeover_rows(gaad: Document) -> list[dict[str, str]]:
    rows = []
    for user in gaad["UserDetailList"]:
        admin = any(a["PolicyArn"] == _ADMIN_ARN for a in user["AttachedManagedPolicies"])
        index = int(user["UserName"][1:])
        rows.append(
            {
                "user": user["UserName"],
                "arn": user["Arn"],
                "user_creation_time": _CREATED,
                "password_enabled": "true" if admin or index % 2 else "false",
                "access_key_1_last_rotated": _CREATED if admin or index % 3 else "N/A",
                "access_key_2_last_rotated": _CREATED if admin else "N/A",
            }
        )
    return rows


def _sso_trust(provider: str) -> Document:
    return _doc(
        {
            "Effect": "Allow",
            "Principal": {"Federated": provider},
            "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
            "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
        }
    )


_AWS_MANAGED = {
    "ReadOnlyAccess": [{"Effect": "Allow", "Action": ["*:Get*", "*:List*", "*:Describe*"]}],
    "PowerUserAccess": [
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"]},
        {
            "Effect": "Allow",
            "Action": ["iam:CreateServiceLinkedRole", "iam:ListRoles", "organizations:Describe*"],
        },
    ],
    "AWSLambda_FullAccess": [
        {"Effect": "Allow", "Action": ["lambda:*", "logs:*", "s3:*", "cloudformation:*"]},
        {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
        },
    ],
}


def _aws_managed(name: str) -> Document:
    statements = [{**s, "Resource": "*"} for s in _AWS_MANAGED[name]]
    return _managed(name, _doc(*statements), arn=f"arn:aws:iam::aws:policy/{name}")


def sso(scale: float, rng: random.Random) -> Document:
    """An IAM Identity Center account: 3,000 AWSReservedSSO_* roles under
    /aws-reserved/sso.amazonaws.com/ trusting the SAML provider (no IAM user at all), each a
    permission set of an AWS-managed policy (AdministratorAccess for one in ten) and an inline
    policy of its own (PassRole to Lambda on the team's roles, IAM writes on its prefix, S3);
    500 Lambda roles of 8 kinds to pass."""
    provider = f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE"
    trust = _sso_trust(provider)
    managed = ["ReadOnlyAccess", "PowerUserAccess", "AWSLambda_FullAccess"]
    roles = []
    for j in range(_count(3_000, scale)):
        team = f"team{j % 40}"
        inline = _doc(
            {
                "Effect": "Allow",
                "Action": ["iam:PassRole", "iam:GetRole"],
                "Resource": f"arn:aws:iam::{ACCOUNT_ID}:role/{team}-*",
            },
            {
                "Effect": "Allow",
                "Action": ["iam:PutRolePolicy", "iam:AttachRolePolicy"],
                "Resource": f"arn:aws:iam::{ACCOUNT_ID}:role/{team}-app{j}-*",
            },
            {"Effect": "Allow", "Action": "s3:*", "Resource": f"arn:aws:s3:::{team}-{j}/*"},
        )
        attached = [_ADMIN_ARN] if j % 10 == 0 else [f"arn:aws:iam::aws:policy/{managed[j % 3]}"]
        role = _role(
            f"AWSReservedSSO_PermSet{j}_{j:016x}", trust, inline=[inline], attached=attached
        )
        role["Path"] = "/aws-reserved/sso.amazonaws.com/"
        role["Arn"] = (
            f"arn:aws:iam::{ACCOUNT_ID}:role/aws-reserved/sso.amazonaws.com/" + (role["RoleName"])
        )
        roles.append(role)
    for j in range(_count(500, scale)):
        grant = {"Effect": "Allow", "Action": list(_ROLE_ACTIONS[j % 8 : j % 8 + 4])}
        grant["Resource"] = "*"
        roles.append(
            _role(
                f"team{j % 40}-fn{j}",
                _service_trust("lambda.amazonaws.com"),
                inline=[_doc(grant)],
            )
        )
    policies = [_administrator_access(), *(_aws_managed(name) for name in managed)]
    return _gaad((), roles, policies)


_LINKED_SERVICES = (
    "autoscaling", "elasticloadbalancing", "rds", "ecs", "elasticache", "es", "guardduty",
    "config", "organizations", "sso", "support", "trustedadvisor", "eks", "lambda.edge",
    "ssm", "cloudtrail", "securityhub", "inspector2", "backup", "dynamodb.application-autoscaling",
)  # fmt: skip


def service_linked(scale: float, rng: random.Random) -> Document:
    """5,000 service-linked roles under /aws-service-role/ (20 services, each with its
    AWS-managed policy: iam:PassRole, iam:CreateServiceLinkedRole, broad ec2 and the
    service's own actions), beside 2,000 users allowed iam:PassRole and lambda on `*` and 200
    Lambda roles. No service accepts a service-linked role: none is a target or a start."""
    policies = []
    for service in _LINKED_SERVICES:
        name = f"{service.split('.')[0].capitalize()}ServiceRolePolicy"
        document = _doc(
            {
                "Effect": "Allow",
                "Action": [f"{service.split('.')[0]}:*", "ec2:*", "iam:PassRole", "kms:*"],
                "Resource": "*",
            },
            {
                "Effect": "Allow",
                "Action": "iam:CreateServiceLinkedRole",
                "Resource": "*",
                "Condition": {"StringLike": {"iam:AWSServiceName": f"{service}.amazonaws.com"}},
            },
        )
        policies.append(
            _managed(name, document, arn=f"arn:aws:iam::aws:policy/aws-service-role/{name}")
        )
    roles = []
    for j in range(_count(5_000, scale)):
        k = j % len(_LINKED_SERVICES)
        service = f"{_LINKED_SERVICES[k]}.amazonaws.com"
        name = f"AWSServiceRoleFor{_LINKED_SERVICES[k].capitalize()}_{j}"
        role = _role(name, _service_trust(service), attached=[policies[k]["Arn"]])
        role["Path"] = f"/aws-service-role/{service}/"
        role["Arn"] = f"arn:aws:iam::{ACCOUNT_ID}:role/aws-service-role/{service}/{name}"
        roles.append(role)
    roles += [_lambda_role(j, rng.sample(_ROLE_ACTIONS, 4), "*") for j in range(_count(200, scale))]
    users = [_deployer(i, "s3:*") for i in range(_count(2_000, scale))]
    return _gaad(users, roles, policies)


def passrole_patterns(scale: float, rng: random.Random) -> Document:
    """5,000 users, each allowed iam:PassRole on a pattern of its own (`role/*-svc{i}-*`, a
    leading wildcard: no literal prefix to bisect on) with lambda:CreateFunction and
    iam:CreatePolicyVersion on `policy/*-{i}`; 5,000 Lambda roles and 2,000 customer policies.
    Every distinct pattern is matched against every role and policy."""
    users_count = _count(5_000, scale)
    roles_count = _count(5_000, scale)
    users = []
    for i in range(users_count):
        grant = _doc(
            {
                "Effect": "Allow",
                "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"],
                "Resource": [
                    f"arn:aws:iam::{ACCOUNT_ID}:role/*-svc{i}-*",
                    f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:*",
                ],
            },
            {
                "Effect": "Allow",
                "Action": "iam:CreatePolicyVersion",
                "Resource": f"arn:aws:iam::{ACCOUNT_ID}:policy/*-{i}",
            },
        )
        users.append(_user(i, inline=[grant]))
    roles = [
        _role(
            f"app{j}-svc{rng.randrange(users_count)}-fn",
            _service_trust("lambda.amazonaws.com"),
            inline=[
                _doc({"Effect": "Allow", "Action": rng.sample(_ROLE_ACTIONS, 3), "Resource": "*"})
            ],
        )
        for j in range(roles_count)
    ]
    policies = [
        _managed(
            f"pol-{rng.randrange(users_count)}-{k}",
            _doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}),
        )
        for k in range(_count(2_000, scale))
    ]
    return _gaad(users, roles, policies)


def passrole_fenced(scale: float, rng: random.Random) -> Document:
    """:func:`passrole_varied` with the usual fence: every user may pass any role but
    `role/admin-*` (a Deny naming them, not a NotResource), and one Lambda role is an
    administrator. The administrator comes first among the targets and is denied; with an
    administrator among them the role-by-role walk is never cut short, and no other role is
    richer than the users."""
    fence = {
        "Effect": "Deny",
        "Action": "iam:PassRole",
        "Resource": f"arn:aws:iam::{ACCOUNT_ID}:role/admin-*",
    }
    roles = [
        _lambda_role(j, rng.sample(_ROLE_ACTIONS, 4), _SOME_BUCKETS)
        for j in range(_count(2_000, scale))
    ]
    roles.append(_role("admin-fn", _service_trust("lambda.amazonaws.com"), attached=[_ADMIN_ARN]))
    users = []
    for i in range(_count(5_000, scale)):
        user = _deployer(i, list(_USER_WILDCARDS))
        user["UserPolicyList"][0]["PolicyDocument"]["Statement"].append(fence)
        users.append(user)
    return _gaad(users, roles, [_administrator_access()])


def not_mixes(scale: float, rng: random.Random) -> Document:
    """500 policies stacking Allow NotAction with NotResource, Deny NotAction under
    IfExists and Null conditions, Allow iam:* NotResource under a tag condition, and
    Deny NotResource on principal tags; 5,000 users (tagged) and 3,000 Lambda roles attach
    two or three."""
    policies = []
    for k in range(_count(500, scale)):
        services = rng.sample(_SERVICES, 4)
        statements = [
            {
                "Effect": "Allow",
                "NotAction": [f"{s}:*" for s in services[:2]],
                "NotResource": [f"arn:aws:s3:::secret{k}/*", f"arn:aws:kms:*:{ACCOUNT_ID}:key/*"],
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}},
            },
            {
                "Effect": "Deny",
                "NotAction": [f"{services[2]}:Get*", f"{services[3]}:List*", "sts:*"],
                "NotResource": [f"arn:aws:s3:::team{k % 40}/*"],
                "Condition": {
                    "StringNotEqualsIfExists": {"aws:PrincipalTag/team": f"t{k % 40}"},
                    "Null": {"aws:RequestedRegion": "false"},
                },
            },
            {
                "Effect": "Allow",
                "Action": ["iam:*", "sts:AssumeRole"],
                "NotResource": [
                    f"arn:aws:iam::{ACCOUNT_ID}:role/admin*",
                    f"arn:aws:iam::{ACCOUNT_ID}:user/u{k}*",
                ],
                "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}},
            },
            {
                "Effect": "Deny",
                "Action": "*",
                "NotResource": [f"arn:aws:iam::{ACCOUNT_ID}:role/t{k % 40}-*"],
                "Condition": {"StringLike": {"aws:PrincipalTag/level": ["junior*", "intern"]}},
            },
        ]
        chosen = rng.sample(statements, rng.randint(2, 4))
        policies.append(_managed(f"mix{k}", _doc(*chosen)))
    arns = [p["Arn"] for p in policies]
    users = []
    for i in range(_count(5_000, scale)):
        user = _user(i, attached=rng.sample(arns, rng.randint(2, 3)))
        user["Tags"] = [
            {"Key": "team", "Value": f"t{rng.randrange(40)}"},
            {"Key": "level", "Value": rng.choice(["junior1", "senior", "intern", "lead"])},
        ]
        users.append(user)
    roles = _lambda_roles(_count(3_000, scale), arns, 2, rng)
    for role in roles:
        role["Tags"] = [{"Key": "team", "Value": f"t{rng.randrange(40)}"}]
    return _gaad(users, roles, policies)


def tiny_inline(scale: float, rng: random.Random) -> Document:
    """10,000 users with 10 inline policies of one statement each (100,000 documents, mostly
    alike up to the user's name), and 2,000 roles with 5."""

    def tiny(owner: str, n: int) -> Document:
        action = _LINT_ACTIONS[(n * 7 + len(owner)) % len(_LINT_ACTIONS)]
        resource = rng.choice(["*", f"arn:aws:s3:::{owner}-{n}/*", f"arn:aws:s3:::shared{n}/*"])
        return _doc({"Effect": "Allow", "Action": action, "Resource": resource})

    users = [
        _user(i, inline=[tiny(f"u{i}", n) for n in range(10)]) for i in range(_count(10_000, scale))
    ]
    roles = [
        _role(
            f"r{j}",
            _service_trust("lambda.amazonaws.com"),
            inline=[tiny(f"r{j}", n) for n in range(5)],
        )
        for j in range(_count(2_000, scale))
    ]
    return _gaad(users, roles)


SHAPES: dict[str, Callable[[float, random.Random], Document]] = {
    "trust-hub": trust_hub,
    "trust-guarded": trust_guarded,
    "trust-personal": trust_personal,
    "passrole-lesser": passrole_lesser,
    "passrole-varied": passrole_varied,
    "long-policies": long_policies,
    "lint-heavy": lint_heavy,
    "abac": abac,
    "perimeter": perimeter,
    "resource-lists": resource_lists,
    "conditions": conditions,
    "action-lists": action_lists,
    "groups": groups,
    "assume-mesh": assume_mesh,
    "chain-hub": chain_hub,
    "takeover": takeover,
    "takeover-report": takeover_report,
    "sso": sso,
    "service-linked": service_linked,
    "passrole-patterns": passrole_patterns,
    "passrole-fenced": passrole_fenced,
    "not-mixes": not_mixes,
    "tiny-inline": tiny_inline,
}

# Shapes audited with a credential report: the rows it holds for the shape's users.
REPORTS: dict[str, Callable[[Document], list[dict[str, str]]]] = {
    "takeover-report": _takeover_rows,
}


def build(shape: str, *, scale: float = 1.0, seed: int = 0) -> Document:
    """The GAAD of one shape (deterministic for a seed)."""
    return SHAPES[shape](scale, random.Random(seed))


def credential_report(shape: str, gaad: Document) -> str | None:
    """The credential report (CSV text) audited with the shape's ``gaad``, None for shapes
    audited without one. Columns the shape does not set are AWS's "N/A" / "false"."""
    rows = REPORTS.get(shape)
    if rows is None:
        return None
    from bench.synth import CREDENTIAL_REPORT_COLUMNS  # noqa: PLC0415 - only these shapes

    flags = ("password_enabled", "mfa_active", "access_key_1_active", "access_key_2_active")
    flags += ("cert_1_active", "cert_2_active")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CREDENTIAL_REPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    root = {"user": "<root_account>", "arn": f"arn:aws:iam::{ACCOUNT_ID}:root"}
    for row in [root, *rows(gaad)]:
        full = dict.fromkeys(CREDENTIAL_REPORT_COLUMNS, "N/A")
        full.update(dict.fromkeys(flags, "false"), user_creation_time=_CREATED)
        for slot in ("1", "2"):
            if row.get(f"access_key_{slot}_last_rotated", "N/A") != "N/A":
                full[f"access_key_{slot}_active"] = "true"
        full.update(row)
        writer.writerow(full)
    return buffer.getvalue()
