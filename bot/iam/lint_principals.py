"""Principals: their format, who they let in, and what a role trust policy needs for each type.

IAM's forms (IAM User Guide, "AWS JSON policy elements: Principal"): an account ID or
`arn:...:iam::ACCOUNT:root|user/..|role/..`, an STS assumed-role or federated-user ARN,
`service.amazonaws.com`, a SAML or OIDC provider ARN or one of the web identity providers, a
64-hex canonical user ID, or `*`. Trust policies must pair each principal type with its assume
action, and web identity trusts need the token's audience (and, for GitHub Actions, the
repository in `sub`) pinned by conditions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.iam.catalogue import ActionCatalogue
from bot.iam.conditions import parse_operator
from bot.iam.lint_context import LintContext
from bot.iam.lint_detect import TRUST_RESOURCE_TYPE
from bot.iam.lint_model import (
    ALLOW_NOT_PRINCIPAL,
    CONDITION_KEY_UNSUPPORTED,
    CONFUSED_DEPUTY,
    INVALID_PRINCIPAL,
    OIDC_MISSING_AUDIENCE,
    OIDC_MISSING_SUBJECT,
    PUBLIC_PRINCIPAL,
    REDUNDANT_PRINCIPAL,
    TRUST_ACTION_MISMATCH,
    LintFinding,
    finding,
)
from bot.iam.policy import Principal, Statement
from bot.iam.web_identity import github_subject_breadth
from bot.model.severity import Severity

_ACCOUNT = r"\d{12}"
_PARTITION = r"aws(?:-[a-z]+(?:-[a-z]+)?)?"
_AWS_PRINCIPAL = re.compile(
    rf"^(?:{_ACCOUNT}|arn:{_PARTITION}:iam::{_ACCOUNT}:(?:root|user/.+|role/.+)"
    rf"|arn:{_PARTITION}:sts::{_ACCOUNT}:(?:assumed-role/[^/]+/.+|federated-user/.+)"
    # A CloudFront origin access identity (CloudFront Developer Guide, "Restricting access to an
    # Amazon S3 origin": the legacy OAI's bucket-policy principal has no account)
    rf"|arn:{_PARTITION}:iam::cloudfront:user/CloudFront Origin Access Identity [A-Z0-9]+)$"
)
_UNIQUE_ID = re.compile(r"^(AIDA|AROA)[A-Z0-9]{12,}$")
# service.amazonaws.com (.cn in China); Alexa's principals are service.amazon.com
# (alexa-appkit.amazon.com, which `aws lambda add-permission` writes for a skill's trigger).
_SERVICE = re.compile(r"^[a-z0-9][a-z0-9.-]*\.(?:amazonaws\.com(?:\.cn)?|amazon\.com)$")
_SAML = re.compile(rf"^arn:{_PARTITION}:iam::{_ACCOUNT}:saml-provider/[\w+=,.@-]+$")
_OIDC = re.compile(rf"^arn:{_PARTITION}:iam::{_ACCOUNT}:oidc-provider/(?P<provider>.+)$")
_WEB_IDENTITY = frozenset(
    {
        "cognito-identity.amazonaws.com",
        "www.amazon.com",
        "graph.facebook.com",
        "accounts.google.com",
    }
)
_CANONICAL = re.compile(r"^[0-9a-f]{64}$")
# A role (any path) and a role session: the session's role is named without its path
# (IAM User Guide, "Role session principals"), so a role is known by partition, account, name.
_ROLE = re.compile(
    rf"^arn:(?P<partition>{_PARTITION}):iam::(?P<account>{_ACCOUNT}):role/(?:.+/)?(?P<name>[^/]+)$"
)
_SESSION = re.compile(
    rf"^arn:(?P<partition>{_PARTITION}):sts::(?P<account>{_ACCOUNT}):assumed-role/(?P<name>[^/]+)/[^/]+$"
)
_GITHUB = "token.actions.githubusercontent.com"
_COGNITO = "cognito-identity.amazonaws.com"
# Condition keys that, tested positively, limit "Principal": "*" to known callers.
_PINNING_KEYS = frozenset(
    {
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:userid",
        "aws:sourcevpce",
        "aws:sourcevpc",
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:sourceowner",
        # S3 User Guide, "delegating access control to access points": only requests through
        # that account's (or that) access point come in, and its own policy says who.
        "s3:dataaccesspointaccount",
        "s3:dataaccesspointarn",
    }
)
# aws:PrincipalOrgID / OrgPaths: set only when the caller is an IAM principal of an organization
# (IAM User Guide, global condition keys), never for a service principal.
_PRINCIPAL_ORG_KEYS = frozenset({"aws:principalorgid", "aws:principalorgpaths"})
# Condition keys a trust statement can test only when it also allows the action that sets them
# (IAM User Guide, "Passing session tags in AWS STS" and "Monitor and control actions taken
# with assumed roles"): lower-cased key (or key prefix, ending in "/"), action.
_SESSION_KEY_ACTIONS = (
    ("aws:requesttag/", "sts:TagSession"),
    ("aws:tagkeys", "sts:TagSession"),
    ("sts:transitivetagkeys", "sts:TagSession"),
    ("sts:sourceidentity", "sts:SetSourceIdentity"),
)
_CONFUSED_DEPUTY_KEYS = frozenset(
    {"aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths"}
)
# Services that assume a role to run the customer's own code or instances: the role's
# credentials go to that workload, and AWS's trust examples for them carry no source condition.
_WORKLOAD_SERVICES = frozenset(
    {
        "ec2.amazonaws.com",
        "lambda.amazonaws.com",
        "edgelambda.amazonaws.com",
        "ecs-tasks.amazonaws.com",
        "eks.amazonaws.com",
        "eks-fargate-pods.amazonaws.com",
        "pods.eks.amazonaws.com",
        "ec2.amazonaws.com.cn",
        "lambda.amazonaws.com.cn",
    }
)


def _entries(principal: Principal | None) -> Iterator[tuple[str, str]]:
    if principal is None or principal == "*":
        return
    for kind, values in principal.items():
        for value in values:
            yield kind, value


def _is_public(principal: Principal | None) -> bool:
    return principal == "*" or any(k == "AWS" and v == "*" for k, v in _entries(principal))


def principal_problem(kind: str, value: str) -> tuple[str, str, Severity] | None:
    """(kind of problem, message, severity) when a Principal entry is not a form IAM takes."""
    if value == "*" and kind == "AWS":
        return None
    if "${" in value:
        return None  # lint_variables reports variables in Principal
    if kind == "AWS":
        if _AWS_PRINCIPAL.match(value) and "*" not in value and "?" not in value:
            return None
        if _UNIQUE_ID.match(value):
            return (
                "unique_id",
                f"AWS principal {value} is a unique ID; use the user's or role's ARN (IAM keeps"
                " the ID, and a recreated principal would not match)",
                Severity.LOW,
            )
        if "*" in value or "?" in value:
            return (
                "wildcard",
                f"AWS principal {value!r}: wildcards are not allowed inside a principal; use"
                ' "*" with a condition such as aws:PrincipalArn or aws:PrincipalOrgID',
                Severity.HIGH,
            )
        return (
            "format",
            f"AWS principal {value!r} is not an account ID or an IAM/STS principal ARN",
            Severity.HIGH,
        )
    if kind == "Service":
        if _SERVICE.match(value):
            return None
        if "*" in value or "?" in value:
            return (
                "wildcard",
                f"service principal {value!r}: wildcards are not allowed",
                Severity.HIGH,
            )
        return (
            "format",
            f"service principal {value!r} is not of the form service.amazonaws.com",
            Severity.HIGH,
        )
    if kind == "Federated":
        if _SAML.match(value) or _OIDC.match(value) or value in _WEB_IDENTITY:
            return None
        return (
            "federated",
            f"federated principal {value!r} is not a SAML or OIDC provider ARN"
            f" (arn:aws:iam::ACCOUNT:saml-provider/NAME, ...:oidc-provider/HOST) or one of"
            f" {', '.join(sorted(_WEB_IDENTITY))}",
            Severity.HIGH,
        )
    if kind == "CanonicalUser" and not _CANONICAL.match(value):
        return ("format", f"canonical user {value!r} is not a 64-hex ID", Severity.HIGH)
    return None


def lint_principals(statement: Statement, ctx: LintContext) -> list[LintFinding]:
    findings: list[LintFinding] = []
    for element, principal in (
        ("Principal", statement.principals),
        ("NotPrincipal", statement.not_principals),
    ):
        for kind, value in _entries(principal):
            problem = principal_problem(kind, value)
            if problem is not None:
                what, message, severity = problem
                findings.append(
                    finding(
                        INVALID_PRINCIPAL,
                        statement.index,
                        f"{element}: {message}",
                        {"kind": what, "principal_type": kind, "value": value},
                        severity=severity,
                    )
                )
    findings.extend(_unsupported_for_type(statement, ctx))
    if statement.not_principals is not None and statement.effect == "Allow":
        findings.append(
            finding(
                ALLOW_NOT_PRINCIPAL,
                statement.index,
                "Allow with NotPrincipal grants every principal not listed, anonymous users"
                " included; name the principals in Principal instead",
                {},
            )
        )
    # Not an elif: IAM rejects NotPrincipal in a trust policy whatever the effect
    # (Access Analyzer's "Role trust policy syntax error notprincipal").
    if statement.not_principals is not None and ctx.policy_type == "trust":
        findings.append(
            finding(
                INVALID_PRINCIPAL,
                statement.index,
                "a role trust policy cannot use NotPrincipal; name the principals that may"
                " assume the role",
                {"kind": "not_principal_in_trust"},
            )
        )
    if ctx.policy_type == "trust" and statement.principals == "*":
        findings.append(_star_in_trust(statement))
    if ctx.policy_type == "trust":
        findings.extend(_redundant_sessions(statement))
    if statement.effect == "Allow" and _is_public(statement.principals):
        public = _public(statement, ctx)
        if public is not None:
            findings.append(public)
    if ctx.policy_type == "trust" and statement.effect == "Allow":
        findings.extend(_trust(statement, ctx.catalogue))
    if statement.effect == "Allow" and ctx.policy_type in ("trust", "resource"):
        findings.extend(_confused_deputy(statement, ctx))
        findings.extend(_service_principal_keys(statement))
    return findings


def _star_in_trust(statement: Statement) -> LintFinding:
    """Access Analyzer's "Role trust policy unsupported wildcard in principal" (error): IAM
    takes {"AWS": "*"} in a role trust policy but not the bare string "*", whatever the
    effect, so the policy cannot be saved as written."""
    return finding(
        INVALID_PRINCIPAL,
        statement.index,
        'Principal "*" is not supported in a role trust policy, so IAM rejects the policy;'
        ' name the principals, or write {"AWS": "*"} with a condition that limits who may'
        " assume the role (aws:PrincipalOrgID, aws:PrincipalAccount ...)",
        {"kind": "star_in_trust", "value": "*"},
    )


def _redundant_sessions(statement: Statement) -> list[LintFinding]:
    """Access Analyzer's "Redundant principal in role trust policy" (suggestion): a role's
    ARN already matches every session of that role, so listing a session of it (its
    assumed-role ARN) beside it in the same Principal changes nothing. Names are compared
    exactly: a session ARN spelled in another case may be meant for another principal."""
    roles: dict[tuple[str, str, str], str] = {}
    sessions: list[tuple[tuple[str, str, str], str]] = []
    for kind, value in _entries(statement.principals):
        if kind != "AWS":
            continue
        if (role := _ROLE.match(value)) is not None:
            roles.setdefault((role["partition"], role["account"], role["name"]), value)
        elif (session := _SESSION.match(value)) is not None:
            sessions.append(((session["partition"], session["account"], session["name"]), value))
    findings: list[LintFinding] = []
    for key, value in dict.fromkeys(sessions):
        parent = roles.get(key)
        if parent is None:
            continue
        findings.append(
            finding(
                REDUNDANT_PRINCIPAL,
                statement.index,
                f"the assumed-role principal {value} is redundant with its parent role"
                f" {parent}, which already matches every session of that role; remove the"
                " assumed-role principal",
                {"principal": value, "parent_role": parent},
            )
        )
    return findings


def _is_trust(ctx: LintContext) -> bool:
    return ctx.policy_type == "trust" or ctx.resource_type == TRUST_RESOURCE_TYPE


def _unsupported_for_type(statement: Statement, ctx: LintContext) -> list[LintFinding]:
    """Access Analyzer's "Federated principal not supported" (error): a SAML or OIDC provider
    is a principal of role trust policies only, never of an S3 bucket or other resource
    policy. Known only when the resource type says the policy is not a trust policy (a
    resource policy of no stated type may be one)."""
    if ctx.policy_type != "resource" or ctx.resource_type is None or _is_trust(ctx):
        return []
    federated = [
        v
        for element in (statement.principals, statement.not_principals)
        for k, v in _entries(element)
        if k == "Federated" and principal_problem(k, v) is None  # malformed: reported
    ]
    if not federated:
        return []
    return [
        finding(
            INVALID_PRINCIPAL,
            statement.index,
            f"federated principal(s) {', '.join(federated)}: only a role trust policy can name"
            f" an identity provider; an {ctx.resource_type} policy cannot",
            {"kind": "federated_not_supported", "values": federated},
        )
    ]


def _service_principal_keys(statement: Statement) -> list[LintFinding]:
    """Access Analyzer's "Unsupported condition key for service principal" (error): a service
    principal acting on its own is in no organization, so a positive test of the principal's
    organization (its example: aws:PrincipalOrgID with cloudfront.amazonaws.com) never matches
    when every principal of the statement is a service, and the statement grants nothing."""
    entries = list(_entries(statement.principals))
    if not entries or any(kind != "Service" for kind, _ in entries):
        return []
    keys = sorted(
        {
            c.key
            for c in statement.conditions
            if c.key.lower() in _PRINCIPAL_ORG_KEYS
            and not parse_operator(c.operator).negated
            and not parse_operator(c.operator).if_exists
        }
    )
    if not keys:
        return []
    services = [value for _, value in entries]
    return [
        finding(
            CONDITION_KEY_UNSUPPORTED,
            statement.index,
            f"{', '.join(keys)} is never in the request of service principal(s)"
            f" {', '.join(services)}, so the statement never applies; use aws:SourceOrgID,"
            " aws:SourceOrgPaths, aws:SourceAccount or aws:SourceArn to name whom the service"
            " acts for",
            {"kind": "service_principal", "keys": keys, "services": services},
        )
    ]


def _pinned(statement: Statement) -> bool:
    """Whether a positive condition names who may come in (AWS's pattern for "Principal": "*"
    limited to an organization, account, VPC endpoint or source)."""
    return any(
        c.key.lower() in _PINNING_KEYS
        and not parse_operator(c.operator).negated
        and not parse_operator(c.operator).if_exists
        and bool(c.values)
        and all(_pins(c.key.lower(), v) for v in c.values)
        for c in statement.conditions
    )


_ORG_PATH_KEYS = frozenset({"aws:principalorgpaths", "aws:sourceorgpaths"})
_ARN_PINNING_KEYS = frozenset({"aws:principalarn", "aws:sourcearn"})
_LITERAL_ACCOUNT = re.compile(r"^\d{12}$")
_LITERAL_ORG = re.compile(r"^o-[a-z0-9]+$")


def _pins(key: str, value: str) -> bool:
    """A value that names one organization or account, though it may have wildcards after it:
    an organization path o-ID/... (IAM User Guide's aws:PrincipalOrgPaths examples end in /*),
    or an ARN whose account is literal (ArnLike aws:PrincipalArn arn:aws:iam::ACCOUNT:role/*)."""
    if "*" not in value and "?" not in value:
        return True
    if key in _ORG_PATH_KEYS:
        first, slash, _ = value.partition("/")
        return bool(slash) and bool(_LITERAL_ORG.match(first))
    if key in _ARN_PINNING_KEYS:
        parts = value.split(":")
        return len(parts) > 5 and bool(_LITERAL_ACCOUNT.match(parts[4]))
    return False


def _public(statement: Statement, ctx: LintContext) -> LintFinding | None:
    if _pinned(statement):
        return None
    who = "assume this role" if ctx.policy_type == "trust" else "use these permissions"
    conditioned = bool(statement.conditions)
    severity = Severity.MEDIUM if conditioned else None
    if ctx.policy_type == "resource" and _reads_only(statement, ctx):
        # e.g. AWS's static-website bucket policy: public on purpose, and read-only
        severity = Severity.LOW if conditioned else Severity.MEDIUM
    return finding(
        PUBLIC_PRINCIPAL,
        statement.index,
        f'Principal "*" lets anyone in any AWS account {who}'
        + (
            "; its conditions are all that limit it, check that they pin the account or"
            " organization (aws:PrincipalAccount, aws:PrincipalOrgID, aws:SourceVpce ...)"
            if conditioned
            else ", with no condition to limit it"
        ),
        {"has_conditions": conditioned},
        severity=severity,
    )


def _reads_only(statement: Statement, ctx: LintContext) -> bool:
    actions = ctx.expanded_actions(statement)
    readable = ctx.catalogue.actions_by_access_level(
        "Read"
    ) | ctx.catalogue.actions_by_access_level("List")
    return bool(actions) and actions <= readable


def _keys(statement: Statement) -> set[str]:
    return {c.key.lower() for c in statement.conditions}


def _allows(catalogue: ActionCatalogue, statement: Statement, action: str) -> bool:
    patterns = statement.actions or ()
    if statement.not_actions is not None:
        return action in catalogue.expand_not_action(statement.not_actions)
    return action in catalogue.expand_all(patterns)


def _needs(statement: Statement) -> dict[str, list[tuple[str, str]]]:
    """The actions each principal entry of the statement needs to assume the role (its type's
    sts:AssumeRole*, and Roles Anywhere's session calls), as action -> (type, value) entries."""
    needs: dict[str, list[tuple[str, str]]] = {}
    for kind, value in _entries(statement.principals):
        if kind in ("AWS", "Service"):
            needs.setdefault("sts:AssumeRole", []).append((kind, value))
        elif kind == "Federated":
            if _SAML.match(value):
                needs.setdefault("sts:AssumeRoleWithSAML", []).append((kind, value))
            elif _OIDC.match(value) or value in _WEB_IDENTITY:
                needs.setdefault("sts:AssumeRoleWithWebIdentity", []).append((kind, value))
        if kind == "Service" and value.startswith("rolesanywhere."):
            for extra in ("sts:TagSession", "sts:SetSourceIdentity"):
                needs.setdefault(extra, []).append((kind, value))
    if statement.principals == "*":
        needs.setdefault("sts:AssumeRole", []).append(("*", "*"))
    return needs


def _trust(statement: Statement, catalogue: ActionCatalogue) -> list[LintFinding]:
    findings = _session_key_actions(statement, catalogue)
    web_identity = _needs(statement).get("sts:AssumeRoleWithWebIdentity")
    if web_identity:
        findings.extend(_web_identity(statement, [value for _, value in web_identity]))
    return findings


# The actions a trust policy's principals need (_needs): what lint_trust_actions looks for.
_ASSUME_ACTIONS = (
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:TagSession",
    "sts:SetSourceIdentity",
)


def _given(granted: dict[tuple[str, str], set[str]], kind: str, value: str, action: str) -> bool:
    """Whether some Allow gives the principal the action: naming it, or Principal "*" (or
    {"AWS": "*"} for an AWS principal)."""
    entries = [(kind, value), ("*", "*")] + ([("AWS", "*")] if kind == "AWS" else [])
    return any(action in granted.get(entry, ()) for entry in entries)


def lint_trust_actions(ctx: LintContext) -> list[LintFinding]:
    """Access Analyzer's "Mismatched action for principal" and "Missing action for roles
    anywhere trust policy", judged over the whole trust policy: a principal may get
    sts:AssumeRole from one statement and sts:TagSession from another (the AWS CDK bootstrap
    template's roles, CdkBootstrapVersion 26, have a TagSession-only statement for the
    account beside its AssumeRole one). A statement is reported only for the principals no
    Allow statement of the policy gives the action."""
    if ctx.policy_type != "trust":
        return []
    allows = [s for s in ctx.statements if s.effect == "Allow"]
    granted: dict[tuple[str, str], set[str]] = {}  # principal entry -> actions some Allow gives
    for statement in allows:
        entries = [("*", "*")] if statement.principals == "*" else _entries(statement.principals)
        for entry in entries:
            granted.setdefault(entry, set()).update(
                action for action in _ASSUME_ACTIONS if _allows(ctx.catalogue, statement, action)
            )
    findings: list[LintFinding] = []
    for statement in allows:
        for action, entries in _needs(statement).items():
            missing = [value for kind, value in entries if not _given(granted, kind, value, action)]
            if missing:
                findings.append(
                    finding(
                        TRUST_ACTION_MISMATCH,
                        statement.index,
                        f"{', '.join(missing)} need(s) {action}, which no statement of this"
                        " trust policy allows them, so they cannot assume the role",
                        {"missing_action": action, "principals": missing},
                    )
                )
    return findings


def _session_key_actions(statement: Statement, catalogue: ActionCatalogue) -> list[LintFinding]:
    """Access Analyzer's "Missing action for condition key" (error): session tags and a source
    identity are set by sts:TagSession and sts:SetSourceIdentity, so a trust statement testing
    them must allow that action too, or the caller can never pass the value it tests."""
    findings: list[LintFinding] = []
    missing: dict[str, list[str]] = {}
    for condition in statement.conditions:
        key = condition.key.lower()
        for prefix, action in _SESSION_KEY_ACTIONS:
            if (key == prefix or (prefix.endswith("/") and key.startswith(prefix))) and (
                condition.key not in missing.get(action, [])
            ):
                missing.setdefault(action, []).append(condition.key)
    for action, keys in missing.items():
        if _allows(catalogue, statement, action):
            continue
        findings.append(
            finding(
                TRUST_ACTION_MISMATCH,
                statement.index,
                f"the condition on {', '.join(keys)} needs {action} in this statement's"
                " actions: only that action sets the value, so add it",
                {"kind": "condition_key", "missing_action": action, "keys": keys},
            )
        )
    return findings


def _provider(value: str) -> str:
    match = _OIDC.match(value)
    return match.group("provider") if match else value


def _web_identity(statement: Statement, providers: list[str]) -> list[LintFinding]:
    findings: list[LintFinding] = []
    keys = _keys(statement)
    for value in providers:
        provider = _provider(value).lower()
        audience = f"{provider}:aud"
        if provider == _COGNITO:
            audience = f"{_COGNITO}:aud"
        if audience not in keys and f"{provider}:azp" not in keys:
            findings.append(
                finding(
                    OIDC_MISSING_AUDIENCE,
                    statement.index,
                    f"web identity trust for {provider} has no {audience} condition: tokens"
                    " the provider issued for any client are accepted",
                    {"provider": provider, "key": audience},
                )
            )
        if provider.split("/", 1)[0] == _GITHUB:
            findings.extend(_github_subject(statement, provider))
    return findings


def _github_subject(statement: Statement, provider: str) -> list[LintFinding]:
    """GitHub's `sub` is repo:OWNER/REPO:ref:refs/heads/BRANCH (or :environment:NAME, ...):
    the trust must pin the owner and repository, and should pin the branch. Access Analyzer's
    "Specific github repo and branch recommended": when the subject does not include the
    branch, "for example, when it names a GitHub environment", the branch goes in a
    `:ref` condition."""
    key = f"{provider}:sub"
    values = [v for c in statement.conditions if c.key.lower() == key for v in c.values]
    if not values:
        reason = f"no {key} condition"
        return [_subject_finding(statement, provider, key, values, reason, scope="any")]
    worst: tuple[int, str, str] | None = None
    for value in values:
        breadth = github_subject_breadth(value)
        if breadth is not None and (worst is None or breadth[0] > worst[0]):
            worst = breadth
    if worst is not None:
        _, scope, what = worst
        reason = f"{key} {', '.join(repr(v) for v in values)} {what}"
        return [_subject_finding(statement, provider, key, values, reason, scope=scope)]
    environments = [v for v in values if _names_environment_only(v)]
    if not environments or _pins_ref(statement, f"{provider}:ref"):
        return []
    reason = (
        f"{key} {', '.join(repr(v) for v in environments)} names an environment but no branch,"
        f" and no {provider}:ref condition names one"
    )
    return [_subject_finding(statement, provider, key, values, reason, scope="environment")]


def _names_environment_only(subject: str) -> bool:
    """A subject of GitHub's environment form (repo:OWNER/REPO:environment:NAME), which
    carries no branch; a customised template that adds :ref:... carries one."""
    _, _, rest = subject.removeprefix("repo:").partition(":")
    return subject.startswith("repo:") and rest.startswith("environment:") and ":ref:" not in rest


def _pins_ref(statement: Statement, key: str) -> bool:
    """Whether a positive test of the token's `ref` claim names a branch or tag (a value that
    is not only wildcards after refs/heads/ or refs/tags/)."""
    for condition in statement.conditions:
        if condition.key.lower() != key or parse_operator(condition.operator).negated:
            continue
        for value in condition.values:
            name = value.removeprefix("refs/heads/").removeprefix("refs/tags/")
            literal = name.replace("*", "").replace("?", "").strip("/")
            if literal and literal not in ("refs", "refs/heads", "refs/tags"):
                return True
    return False


_SUBJECT_SEVERITY = {
    "any": Severity.HIGH,
    "owner": Severity.MEDIUM,
    "repository": Severity.LOW,
    "environment": Severity.LOW,
}


def _subject_finding(
    statement: Statement, provider: str, key: str, values: list[str], reason: str, *, scope: str
) -> LintFinding:
    who = {
        "any": "any GitHub repository's workflow can assume the role",
        "owner": "any repository of that owner can assume the role",
        "repository": "any workflow run of that repository can assume the role",
        "environment": "a workflow run from any branch that may use the environment can"
        " assume the role",
    }[scope]
    return finding(
        OIDC_MISSING_SUBJECT,
        statement.index,
        f"GitHub Actions trust: {reason}, so {who}; pin"
        " repo:OWNER/REPO:ref:refs/heads/BRANCH, or an environment (:environment:NAME) with"
        f" the branch in {provider}:ref",
        {"provider": provider, "key": key, "values": values, "scope": scope},
        severity=_SUBJECT_SEVERITY[scope],
    )


def _confused_deputy(statement: Statement, ctx: LintContext) -> list[LintFinding]:
    services = [v for k, v in _entries(statement.principals) if k == "Service"]
    if _is_trust(ctx):
        services = [s for s in services if s not in _WORKLOAD_SERVICES]
    if not services or _keys(statement) & _CONFUSED_DEPUTY_KEYS:
        return []
    # Access Analyzer's "Restrict access to service principal" is a security warning for
    # resource policies (at least MEDIUM here); a role trust policy's service principal stays
    # LOW: AWS's own trust examples for services often carry no source condition.
    severity = None if _is_trust(ctx) else Severity.MEDIUM
    return [
        finding(
            CONFUSED_DEPUTY,
            statement.index,
            f"service principal(s) {', '.join(services)} without aws:SourceArn,"
            " aws:SourceAccount, aws:SourceOrgID or aws:SourceOrgPaths: the service could be"
            " made to act here on behalf of another account (confused deputy); add one",
            {"services": services},
            severity=severity,
        )
    ]
