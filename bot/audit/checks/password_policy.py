"""Account password policy checks (no custom policy = the weak AWS default, judged as such)."""

from __future__ import annotations

from collections.abc import Iterator

from bot.audit.checks._aws_names import ACCOUNT
from bot.audit.checks._credentials import account_arn, console_user_names
from bot.audit.findings import Finding, Severity
from bot.audit.registry import CheckContext, register
from bot.model.snapshot import PasswordPolicy

PERMISSIONS = ("iam:GetAccountPasswordPolicy",)
REQUIRES = ("password_policy",)

# IAM User Guide, "Setting an account password policy for IAM users", Default password policy:
# without a custom policy, passwords need 8 to 128 characters and at least three of the four
# character types, must differ from the account name and email, never expire and may be reused.
# The snapshot's PasswordPolicy(custom=False) carries no class requirement (AWS requires no
# class in particular), so the evidence states the default as AWS documents it.
AWS_DEFAULT_POLICY: dict[str, object] = {
    "minimum_length": 8,
    "maximum_length": 128,
    "character_types": "at least three of uppercase letters, lowercase letters, numbers, symbols",
    "max_age_days": None,
    "reuse_prevention": None,
}


def _policy(ctx: CheckContext) -> PasswordPolicy:
    policy = ctx.snapshot.password_policy
    assert policy is not None  # the engine skips the check otherwise (requires=password_policy)
    return policy


def _severity(ctx: CheckContext) -> Severity | None:
    """Low when the credential report proves nobody signs in with a password.

    The policy only protects console passwords; with no console user it is informational.
    Without a credential report we cannot tell, so the check's own severity stands.
    """
    console_users = console_user_names(ctx.snapshot)
    if console_users is not None and not console_users:
        return Severity.LOW
    return None


def _finding(
    ctx: CheckContext,
    detail: str,
    evidence: dict[str, object],
    *,
    default_note: str = "no custom policy: the AWS default applies",
) -> Finding:
    policy = _policy(ctx)
    console_users = console_user_names(ctx.snapshot)
    return ctx.finding(
        account_arn(ctx.snapshot),
        ACCOUNT,
        detail + ("" if policy.custom else f" ({default_note})"),
        {
            "custom_policy": policy.custom,
            **evidence,
            "console_users": None if console_users is None else len(console_users),
        },
        severity=_severity(ctx),
    )


@register(
    id="password_policy.missing",
    title="No custom password policy",
    severity=Severity.MEDIUM,
    risk="The AWS default lets users pick 8-character passwords that never expire and may be"
    " reused.",
    remediation="Set an account password policy (IAM > Account settings): at least 14"
    " characters, all character classes, reuse prevention 24.",
    anchors=("Security Hub IAM.7",),
    permissions=PERMISSIONS,
    requires=REQUIRES,
)
def password_policy_missing(ctx: CheckContext) -> Iterator[Finding]:
    policy = _policy(ctx)
    if not policy.custom:
        yield ctx.finding(
            account_arn(ctx.snapshot),
            ACCOUNT,
            "the account has no custom password policy, so the weak AWS default applies",
            {"custom_policy": False, "default_policy": AWS_DEFAULT_POLICY},
            severity=_severity(ctx),
        )


@register(
    id="password_policy.min_length",
    title="Password policy allows short passwords",
    severity=Severity.MEDIUM,
    risk="Short passwords fall to guessing and credential-stuffing far sooner.",
    remediation="Set the minimum password length to 14 or more.",
    anchors=("CIS 1.7", "Security Hub IAM.15"),
    permissions=PERMISSIONS,
    requires=REQUIRES,
)
def password_policy_min_length(ctx: CheckContext) -> Iterator[Finding]:
    policy = _policy(ctx)
    required = ctx.threshold("password_min_length")
    if policy.minimum_length < required:
        yield _finding(
            ctx,
            f"the minimum password length is {policy.minimum_length}, below {required}",
            {"minimum_length": policy.minimum_length, "required": required},
        )


@register(
    id="password_policy.reuse",
    title="Password policy allows password reuse",
    severity=Severity.MEDIUM,
    risk="Users cycling back to an old, possibly leaked password undo a forced change.",
    remediation="Set password reuse prevention to 24 remembered passwords.",
    anchors=("CIS 1.8", "Security Hub IAM.16"),
    permissions=PERMISSIONS,
    requires=REQUIRES,
)
def password_policy_reuse(ctx: CheckContext) -> Iterator[Finding]:
    policy = _policy(ctx)
    required = ctx.threshold("password_reuse_prevention")
    remembered = policy.reuse_prevention or 0
    if remembered < required:
        what = (
            "password reuse is not prevented"
            if not remembered
            else f"only the last {remembered} passwords are remembered"
        )
        yield _finding(
            ctx,
            f"{what} (at least {required} required)",
            {"reuse_prevention": policy.reuse_prevention, "required": required},
        )


_CLASSES = (
    ("uppercase letters", "require_uppercase"),
    ("lowercase letters", "require_lowercase"),
    ("numbers", "require_numbers"),
    ("symbols", "require_symbols"),
)


@register(
    id="password_policy.complexity",
    title="Password policy does not require every character class",
    severity=Severity.LOW,
    risk="Passwords drawn from fewer character classes are easier to guess.",
    remediation="Require uppercase, lowercase, numbers and symbols in the password policy (or"
    " rely on length 14+ and MFA, and suppress this finding with that reason).",
    anchors=(
        "Security Hub IAM.11",
        "Security Hub IAM.12",
        "Security Hub IAM.13",
        "Security Hub IAM.14",
    ),
    permissions=PERMISSIONS,
    requires=REQUIRES,
)
def password_policy_complexity(ctx: CheckContext) -> Iterator[Finding]:
    """One finding naming every missing class, not one per class.

    Without a custom policy AWS requires any three of the four character types, so no class
    in particular is required (IAM.11-IAM.14 fail) and the detail says so rather than
    suggesting that the default requires no mix at all."""
    policy = _policy(ctx)
    missing = [label for label, attribute in _CLASSES if not getattr(policy, attribute)]
    if missing:
        yield _finding(
            ctx,
            f"the password policy does not require {', '.join(missing)}",
            {"missing_classes": missing},
            default_note="no custom policy: the AWS default asks for any three of the four"
            " character types, none in particular",
        )


@register(
    id="password_policy.expiry",
    title="Passwords do not expire within the allowed age",
    severity=Severity.LOW,
    risk="A password that never expires stays valid for as long as it is leaked.",
    remediation="Set a maximum password age of 90 days or less.",
    anchors=("Security Hub IAM.17",),
    permissions=PERMISSIONS,
    requires=REQUIRES,
)
def password_policy_expiry(ctx: CheckContext) -> Iterator[Finding]:
    policy = _policy(ctx)
    limit = ctx.threshold("password_max_age_days")
    age = policy.max_age_days
    if age is None or age <= 0:
        detail = f"passwords never expire (at most {limit} days allowed)"
    elif age > limit:
        detail = f"passwords expire after {age} days, more than {limit}"
    else:
        return
    yield _finding(ctx, detail, {"max_age_days": age, "limit_days": limit})
