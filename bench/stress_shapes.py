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
  a glob-intersection search per ARN and format: 59 s.
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
"""

from __future__ import annotations

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
    return {
        "PolicyName": name,
        "PolicyId": "ANPA" + name.upper().replace("-", "")[:16],
        "Arn": arn or f"arn:aws:iam::{ACCOUNT_ID}:policy/{name}",
        "Path": "/",
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


def passrole_varied(scale: float, rng: random.Random) -> Document:
    roles = [
        _lambda_role(j, rng.sample(_ROLE_ACTIONS, 4), "*") for j in range(_count(2_000, scale))
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
}


def build(shape: str, *, scale: float = 1.0, seed: int = 0) -> Document:
    """The GAAD of one shape (deterministic for a seed)."""
    return SHAPES[shape](scale, random.Random(seed))
