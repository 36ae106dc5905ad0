"""Role trust policies, unused roles and the account's support role.

Service-linked roles (path ``/aws-service-role/``) are owned by AWS: their trust and use are
not ours to fix, so no trust or unused check ever flags them.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.audit.checks._aws_names import (
    ACCOUNT,
    AUTHORIZATION_DETAILS_PERMISSIONS,
    ROLE,
)
from bot.audit.checks._credentials import account_arn, ago, days_since, iso_or_none
from bot.audit.checks._rcp_reading import (
    RCP_SUMMARY_KEY,
    RcpReader,
    RcpReading,
    new_rcp_summary,
)
from bot.audit.checks._trust_reading import (
    TrustReading,
    is_pass_role_only,
    needing_guard,
    read_open_web_identity,
    read_trust,
)
from bot.audit.checks.identities import aws_managed_policy_arn, identities_with_policy
from bot.audit.checks.usage import AWS_TRACKING_DAYS, REPORTING_DELAY
from bot.audit.findings import Finding, Severity
from bot.audit.registry import CheckContext, register
from bot.model.snapshot import Role

REQUIRES = ("authorization_details",)


def _trust(ctx: CheckContext, role: Role) -> TrustReading:
    cache = ctx.shared.setdefault("roles.trust", {})
    key = (id(ctx.snapshot), role.arn)
    if key not in cache:
        cache[key] = read_trust(
            role,
            ctx.snapshot.account_id,
            _rcps_over(ctx, role),
            own_organization=ctx.snapshot.organization_id,
        )
    return cache[key]


def _rcps_over(ctx: CheckContext, role: Role) -> RcpReading | None:
    reader = _rcp_reader(ctx)
    return reader.read(role) if reader is not None else None


def _rcp_reader(ctx: CheckContext) -> RcpReader | None:
    """The RCPs over the account, read once per audit (None when they are unknown or do not
    apply); what the trust checks take of them is noted in the report as they read it."""
    levels = ctx.snapshot.resource_control_policies
    if levels is None:
        return None
    summary = ctx.shared.setdefault("report_extra", {}).setdefault(
        RCP_SUMMARY_KEY, new_rcp_summary(levels, management=ctx.snapshot.is_management_account)
    )
    if ctx.snapshot.is_management_account:
        return None
    reader = ctx.shared.get("roles.rcp_reader")
    if reader is None or reader[0] is not levels:
        reader = ctx.shared["roles.rcp_reader"] = (levels, RcpReader(levels, summary))
    return reader[1]


def _customer_roles(ctx: CheckContext) -> Iterator[Role]:
    return (role for role in ctx.snapshot.roles if not role.is_service_linked)


@register(
    id="role.trust_any_principal",
    title="Role can be assumed by anyone",
    severity=Severity.CRITICAL,
    risk="A trust policy allowing `*` without a condition naming who may call lets any AWS"
    " account in the world assume the role.",
    remediation="Name the trusted accounts or roles in Principal, or add a condition on"
    " aws:PrincipalOrgID / aws:PrincipalArn / aws:SourceAccount / sts:ExternalId.",
    anchors=("ScoutSuite iam-assume-role-policy-allows-all", "Cloudsplaining"),
    permissions=AUTHORIZATION_DETAILS_PERMISSIONS,
    requires=REQUIRES,
)
def role_trust_any_principal(ctx: CheckContext) -> Iterator[Finding]:
    """Principal ``*`` or ``{"AWS": "*"}`` (also inside a list), or Allow with NotPrincipal,
    with no restrictive condition: a positive operator, not negated, on
    aws:SourceAccount/SourceArn/SourceOrgID/PrincipalOrgID/PrincipalArn/PrincipalAccount,
    aws:userid or sts:ExternalId, no value of which admits any account (``*``, a wildcard in
    an account or organization id, an ARN whose account field is a wildcard). ``...IfExists``
    and ``ForAllValues`` count only on keys every signed request carries (or, ForAllValues,
    with ``Null key: false`` beside it); see _narrows."""
    for role in _customer_roles(ctx):
        open_statements = [s for s in _trust(ctx, role).any_principal if not s["restricted_by"]]
        if open_statements:
            indexes = ", ".join(str(s["statement_index"]) for s in open_statements)
            yield ctx.finding(
                role.arn,
                ROLE,
                f"role {role.name}'s trust policy lets any principal (*) assume it without a"
                f" restrictive condition (statement {indexes})",
                {"role": role.name, "statements": open_statements},
            )


@register(
    id="role.trust_web_identity_unscoped",
    title="Role can be assumed by any caller of the identity provider it trusts",
    severity=Severity.CRITICAL,
    risk="A role trusting GitHub Actions, Google, Cognito identity pools or another provider"
    " that issues tokens to anyone, with no condition naming your repository, client or pool,"
    " hands its credentials to every workflow or app of that provider in the world; one"
    " trusting an EKS cluster's issuer without naming the service account, to every pod of the"
    " cluster (reported at high).",
    remediation="Pin the caller in the trust statement's Condition: GitHub's"
    " token.actions.githubusercontent.com:sub (repo:OWNER/REPO:...), Cognito's"
    " cognito-identity.amazonaws.com:aud (the identity pool), Google's accounts.google.com:aud"
    " (your client id), an EKS issuer's :sub (system:serviceaccount:NAMESPACE:NAME).",
    anchors=(
        "IAM User Guide: Configuring a role for GitHub OIDC identity provider",
        "Datadog aws-iam-role-trust-policy-misconfigured-github",
        "EKS Best Practices: scope the IRSA trust policy to the service account",
    ),
    permissions=AUTHORIZATION_DETAILS_PERMISSIONS,
    requires=REQUIRES,
)
def role_trust_web_identity_unscoped(ctx: CheckContext) -> Iterator[Finding]:
    """Allow sts:AssumeRoleWithWebIdentity to a public provider's Federated principal with no
    positive condition pinning the caller (for GitHub, a `sub` whose owner is not a wildcard,
    or the repository / repository_id / owner claims), and no Deny in the same trust refusing
    everyone outside such values. An EKS cluster's issuer is judged on the service account in
    `sub` (high: open to the cluster's pods); single-tenant providers (a company's own IdP,
    GitHub Enterprise's per-enterprise issuer) are not judged here."""
    for role in _customer_roles(ctx):
        opened = read_open_web_identity(role, _rcp_reader(ctx))
        if opened:
            providers = ", ".join(sorted({s["provider"] for s in opened}))
            indexes = ", ".join(str(s["statement_index"]) for s in opened)
            world = any(s["reach"] == "world" for s in opened)
            whose = "anyone's token from there" if world else "every workload's token there"
            yield ctx.finding(
                role.arn,
                ROLE,
                f"role {role.name} trusts {providers} with no condition naming which of its"
                f" callers may assume it, so {whose} is accepted (statement {indexes})",
                {"role": role.name, "statements": opened},
                # Open to one cluster's workloads, not to the world.
                severity=None if world else Severity.HIGH,
            )


@register(
    id="role.trust_cross_account_unguarded",
    title="Cross-account trust without external id or MFA",
    severity=Severity.MEDIUM,
    risk="Any principal of the trusted account (often a vendor's shared role) can assume the"
    " role; without sts:ExternalId a third party can be tricked into doing it for someone else.",
    remediation="Require sts:ExternalId for third parties, or aws:MultiFactorAuthPresent for"
    " people, in the trust policy's Condition.",
    anchors=("ScoutSuite iam-assume-role-lacks-external-id-and-mfa",),
    permissions=AUTHORIZATION_DETAILS_PERMISSIONS,
    requires=REQUIRES,
)
def role_trust_cross_account_unguarded(ctx: CheckContext) -> Iterator[Finding]:
    """AWS principals of another account (an id or any ARN in it) trusted by a statement with
    neither an sts:ExternalId condition nor a required MFA (Bool aws:MultiFactorAuthPresent
    true, or a Numeric aws:MultiFactorAuthAge; ``...IfExists`` does not count).

    Another account's service-linked role (arn:...:role/aws-service-role/<service>/...) is
    not judged: only its service uses it, and the service sends neither an external id nor
    MFA (Control Tower's stacksets-exec-* roles trust the management account's StackSets
    role). It still counts as that account's trust for role.cross_account_readonly.

    A ``*`` narrowed by aws:PrincipalOrgID (or PrincipalOrgPaths) to an organization other
    than the account's own (known from the organization's reading or an --scps/--rcps file)
    trusts every account of it: reported the same way, naming the organization."""
    for role in _customer_roles(ctx):
        unguarded = [
            judged
            for s in _trust(ctx, role).foreign_accounts
            if not s["external_id"]
            and not s["mfa_required"]
            and (judged := needing_guard(s)) is not None
        ]
        if unguarded:
            accounts = sorted({a for s in unguarded for a in s["accounts"]})
            organizations = sorted({o for s in unguarded for o in s.get("organizations", ())})
            trusted = [f"account {', '.join(accounts)}"] if accounts else []
            if organizations:
                trusted.append(
                    f"every account of organization {', '.join(organizations)} (not this account's)"
                )
            through = sorted(
                {p for s in unguarded if "*" in s["principals"] for p in s.get("rcps", ())}
            )
            how = (
                f" (its trust lets in any principal, and the RCPs {', '.join(through)} let this"
                " account in)"
                if through
                else ""
            )
            yield ctx.finding(
                role.arn,
                ROLE,
                f"role {role.name} trusts {' and '.join(trusted)} with neither an"
                f" external id nor an MFA condition{how}",
                {
                    "role": role.name,
                    "accounts": accounts,
                    **({"organizations": organizations} if organizations else {}),
                    "statements": unguarded,
                },
            )


@register(
    id="role.trust_confused_deputy",
    title="Service trust without source condition",
    severity=Severity.LOW,
    risk="A service trusted without aws:SourceArn/aws:SourceAccount can be made to use the role"
    " on behalf of another customer's resource (the confused-deputy problem).",
    remediation="Add aws:SourceAccount (or aws:SourceArn) to the trust statement's Condition.",
    anchors=("Prowler iam_role_cross_service_confused_deputy_prevention",),
    permissions=AUTHORIZATION_DETAILS_PERMISSIONS,
    requires=REQUIRES,
)
def role_trust_confused_deputy(ctx: CheckContext) -> Iterator[Finding]:
    """Service principals in a statement without aws:SourceArn / aws:SourceAccount (or the
    organization-wide aws:SourceOrgID / SourceOrgPaths); service-linked roles excluded. A
    source ARN guards when its account field is a 12-digit id, or, with no account field (an
    S3 bucket), next to aws:SourceAccount / aws:SourceOrgID (see _source_guards).

    Execution roles of compute services are not flagged: such a role reaches the service only
    through iam:PassRole, which cannot cross accounts, so another customer cannot make the
    service use it (the false alarm Prowler users reported for EC2, Lambda and friends), in
    every partition's spelling (ec2.amazonaws.com.cn in China)."""
    for role in _customer_roles(ctx):
        unguarded = [s for s in _trust(ctx, role).services if not s["restricted_by"]]
        services = sorted(
            {svc for s in unguarded for svc in s["services"] if not is_pass_role_only(svc)}
        )
        if services:
            yield ctx.finding(
                role.arn,
                ROLE,
                f"role {role.name} trusts {', '.join(services)} without an aws:SourceArn or"
                " aws:SourceAccount condition",
                {"role": role.name, "services": services, "statements": unguarded},
            )


@register(
    id="role.cross_account_readonly",
    title="ReadOnlyAccess on a role trusted by another account",
    severity=Severity.HIGH,
    risk="ReadOnlyAccess reads far more than it sounds (S3 objects, DynamoDB items, secrets"
    " metadata); handing it to another account exposes the account's data.",
    remediation="Give the external account a role with only the read actions it needs (or"
    " SecurityAudit / ViewOnlyAccess), not ReadOnlyAccess.",
    anchors=("Prowler iam_role_cross_account_readonlyaccess_policy",),
    permissions=AUTHORIZATION_DETAILS_PERMISSIONS,
    requires=REQUIRES,
)
def role_cross_account_readonly(ctx: CheckContext) -> Iterator[Finding]:
    """ReadOnlyAccess attached to a role whose trust names another account or ``*`` (``*``
    narrowed by aws:PrincipalAccount / aws:PrincipalArn counts as the accounts it names; by
    aws:PrincipalOrgID / PrincipalOrgPaths, as every account of the organizations it names).
    Another account's service-linked role counts as that account: whoever drives the service
    there reads through the role."""
    readonly = aws_managed_policy_arn(ctx.snapshot, "ReadOnlyAccess")
    for role in _customer_roles(ctx):
        if not any(p.arn == readonly for p in role.attached_policies):
            continue
        trust = _trust(ctx, role)
        accounts = sorted({a for s in trust.foreign_accounts for a in s["accounts"]})
        open_to = [s for s in trust.any_principal if "accounts" not in s]
        organizations = sorted(
            {o for s in trust.foreign_accounts for o in s.get("organizations", ())}
            | {o for s in open_to for o in s.get("organizations", ())}
        )
        if any(not s.get("organizations") for s in open_to):
            accounts.append("*")
        if accounts or organizations:
            trusted = []
            if accounts and accounts != ["*"]:
                trusted.append("account " + ", ".join(a for a in accounts if a != "*"))
            own = ctx.snapshot.organization_id
            if organizations:
                named = [f"{o} (its own)" if o == own else o for o in organizations]
                trusted.append(f"every account of organization {', '.join(named)}")
            if "*" in accounts:
                trusted.append("any account (*)")
            yield ctx.finding(
                role.arn,
                ROLE,
                f"role {role.name} has ReadOnlyAccess and is trusted by {' and '.join(trusted)}",
                {
                    "role": role.name,
                    "policy_arn": readonly,
                    "trusted_accounts": accounts,
                    **({"trusted_organizations": organizations} if organizations else {}),
                },
            )


@register(
    id="role.unused",
    title="Unused role",
    severity=Severity.LOW,
    risk="A role nobody uses keeps its permissions and trust, ready for whoever finds a way to"
    " assume it.",
    remediation="Confirm with the owner, then delete the role (or its trust).",
    anchors=("Steampipe", "Access Analyzer unused access"),
    permissions=AUTHORIZATION_DETAILS_PERMISSIONS,
    requires=REQUIRES,
)
def role_unused(ctx: CheckContext) -> Iterator[Finding]:
    """RoleLastUsed older than N days, or empty for a role AWS has watched for N days or more.

    RoleLastUsed (IAM API reference) is null when the role "has not been used within the IAM
    tracking period" (the trailing 400 days) and recent use can take about 4 hours to show: a
    null proves N days of silence only for a role created more than N days (plus that delay)
    ago, and for an older role it means "not in the last 400 days", not "never". A role with
    neither a last-used date nor a creation date cannot be judged and passes.
    """
    limit = ctx.threshold("role_unused_days")
    grace = ctx.threshold("grace_days")
    for role in _customer_roles(ctx):
        evidence = {
            "role": role.name,
            "last_used": iso_or_none(role.last_used),
            "last_used_region": role.last_used_region,
            "created": iso_or_none(role.create_date),
        }
        if role.last_used is not None:
            if days_since(role.last_used, ctx.now) > limit:
                yield ctx.finding(
                    role.arn,
                    ROLE,
                    f"role {role.name} was last used {ago(role.last_used, ctx.now)}",
                    {**evidence, "limit_days": limit},
                )
            continue
        if role.create_date is None:
            continue
        watched = days_since(role.create_date, ctx.now - REPORTING_DELAY)
        if watched <= max(limit, grace):
            continue  # AWS has not watched it for N days yet: its silence proves nothing
        if watched <= AWS_TRACKING_DAYS:
            detail = (
                f"role {role.name} has never been used since it was created"
                f" {ago(role.create_date, ctx.now)}"
            )
        else:
            detail = (
                f"role {role.name} has not been used in AWS's {AWS_TRACKING_DAYS}-day tracking"
                f" period (created {ago(role.create_date, ctx.now)}; older use is not reported)"
            )
        yield ctx.finding(
            role.arn,
            ROLE,
            detail,
            {
                **evidence,
                "grace_days": grace,
                "limit_days": limit,
                "tracking_days": AWS_TRACKING_DAYS,
            },
        )


@register(
    id="role.support_missing",
    title="No support role",
    severity=Severity.LOW,
    risk="Without a role holding AWSSupportAccess, incidents get handled with root or an admin"
    " user instead of a least-privilege support role.",
    remediation="Create a role people assume to work with AWS Support and attach"
    " AWSSupportAccess to it.",
    anchors=("CIS 1.16", "Security Hub IAM.18", "ScoutSuite iam-no-support-role"),
    permissions=AUTHORIZATION_DETAILS_PERMISSIONS,
    requires=REQUIRES,
)
def role_support_missing(ctx: CheckContext) -> Iterator[Finding]:
    """Account-wide: no role has AWSSupportAccess (users or groups holding it do not count, and
    are named in the evidence). Resource: the account ARN."""
    policy_arn = aws_managed_policy_arn(ctx.snapshot, "AWSSupportAccess")
    holders = list(identities_with_policy(ctx.snapshot, policy_arn))
    if any(kind == ROLE for _identity, kind, _policy in holders):
        return
    others = sorted(identity.arn for identity, _kind, _policy in holders)
    yield ctx.finding(
        account_arn(ctx.snapshot),
        ACCOUNT,
        "no role has the AWSSupportAccess policy"
        + (f" (only {', '.join(others)} hold it)" if others else ""),
        {"policy_arn": policy_arn, "other_holders": others},
    )
