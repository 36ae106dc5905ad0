"""Pure summaries the Slack views show: MFA posture and one principal's profile.

They read the snapshot and the report's findings only, so the MFA view and the audit agree on
every user (the same checks decide), and they are tested with plain data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.audit.checks._credentials import (
    KEY_TRACKING_SINCE,
    PASSWORD_TRACKING_SINCE,
    AccessKeySlot,
    day,
    key_slots,
    key_use_untracked,
    password_use,
)
from bot.audit.findings import Finding
from bot.audit.report import Report
from bot.model.errors import InputError
from bot.model.snapshot import (
    NO_INFORMATION,
    NOT_APPLICABLE,
    NOT_SUPPORTED,
    AccountSnapshot,
    CredentialReportRow,
    Role,
    User,
)

MFA_CHECKS = (
    "root.mfa_disabled",
    "root.hardware_mfa_missing",
    "user.console_without_mfa",
    "user.without_mfa",
    "user.admin_without_mfa",
    "user.virtual_mfa_only",
    "user.mfa_not_enforced",
)
# Checks whose findings describe what a principal can effectively do.
RISK_CHECK_PREFIXES = ("principal.", "user.admin_without_mfa")


def name_of(arn: str) -> str:
    return arn.rsplit("/", 1)[-1] if "/" in arn else arn.rsplit(":", 1)[-1]


@dataclass(frozen=True, slots=True)
class MfaPosture:
    root: str  # "hardware" | "virtual" | "none" | "unknown"
    console_without_mfa: tuple[str, ...]
    without_mfa: tuple[str, ...]
    privileged_virtual_only: tuple[str, ...]
    not_enforced: tuple[str, ...]
    admin_without_mfa: tuple[str, ...]
    users: int
    users_with_mfa: int
    console_users: int
    console_users_with_mfa: int
    has_credential_report: bool

    @property
    def coverage_percent(self) -> float | None:
        return round(100 * self.users_with_mfa / self.users, 1) if self.users else None

    @property
    def console_coverage_percent(self) -> float | None:
        if not self.console_users:
            return None
        return round(100 * self.console_users_with_mfa / self.console_users, 1)


def _names(report: Report | None, check_id: str) -> tuple[str, ...]:
    if report is None:
        return ()
    return tuple(
        sorted({name_of(f.resource_arn) for f in report.findings if f.check_id == check_id})
    )


def mfa_posture(snapshot: AccountSnapshot, report: Report | None) -> MfaPosture:
    """MFA facts from the credential report, privileged-user facts from the audit's findings."""
    rows = snapshot.credential_report
    root_state = "unknown"
    users: list[CredentialReportRow] = []
    if rows is not None:
        root = next((r for r in rows if r.is_root), None)
        users = [r for r in rows if not r.is_root]
        if root is not None:
            if root.flag("mfa_active"):
                virtual = any(
                    (d.user_arn or "").endswith(":root") for d in snapshot.virtual_mfa_devices or ()
                )
                root_state = "virtual" if virtual else "hardware"
                if snapshot.virtual_mfa_devices is None:
                    root_state = "enabled (type unknown)"
            else:
                root_state = "none"
    console = [r for r in users if r.flag("password_enabled")]
    return MfaPosture(
        root=root_state,
        console_without_mfa=tuple(sorted(r.user for r in console if not r.flag("mfa_active"))),
        without_mfa=tuple(sorted(r.user for r in users if not r.flag("mfa_active"))),
        privileged_virtual_only=_names(report, "user.virtual_mfa_only"),
        not_enforced=_names(report, "user.mfa_not_enforced"),
        admin_without_mfa=_names(report, "user.admin_without_mfa"),
        users=len(users),
        users_with_mfa=sum(1 for r in users if r.flag("mfa_active")),
        console_users=len(console),
        console_users_with_mfa=sum(1 for r in console if r.flag("mfa_active")),
        has_credential_report=rows is not None,
    )


@dataclass(frozen=True, slots=True)
class CredentialFact:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class PrincipalProfile:
    kind: str  # "user" | "role"
    name: str
    arn: str
    created: datetime | None
    credentials: tuple[CredentialFact, ...]
    groups: tuple[str, ...]
    policies: tuple[str, ...]  # "attached: X", "inline: Y", "via group G: Z"
    boundary: str | None
    trusted: tuple[str, ...]  # roles: who may assume it
    risks: tuple[Finding, ...]
    findings: tuple[Finding, ...]


def find_principal(snapshot: AccountSnapshot, kind: str, name_or_arn: str) -> User | Role:
    """A user or role by name or ARN (names compared exactly, as IAM does for lookups)."""
    pool: tuple[User | Role, ...] = snapshot.users if kind == "user" else snapshot.roles
    for item in pool:
        if name_or_arn in (item.name, item.arn):
            return item
    lowered = [item for item in pool if item.name.lower() == name_or_arn.lower()]
    if len(lowered) == 1:
        return lowered[0]
    raise InputError(f"no {kind} named {name_or_arn!r} in the last snapshot of this account")


_NOT_COLLECTED = (CredentialFact("Credential report", "not collected"),)


def _credential_facts(row: CredentialReportRow | None) -> tuple[CredentialFact, ...]:
    if row is None:
        # A report without the user's row (or with one of a deleted user of the same name):
        # the user was created after the report, which tells nothing of its credentials.
        return (CredentialFact("Credential report", "no row: the user was created after it"),)
    facts = [
        CredentialFact(
            "Console password",
            _password_last_used(row) if row.flag("password_enabled") else "none",
        ),
        CredentialFact("MFA", "active" if row.flag("mfa_active") else "not active"),
    ]
    for slot in key_slots(row):
        if slot.active:
            service = row.raw(f"access_key_{slot.number}_last_used_service").strip()
            where = f" ({service})" if slot.last_used and service not in CREDENTIAL_WORDS else ""
            rotated = day(slot.last_rotated) if slot.last_rotated else NOT_APPLICABLE_WORDS
            facts.append(
                CredentialFact(
                    f"Access key {slot.number}",
                    f"active, rotated {rotated}, {_key_last_used(row, slot)}{where}",
                )
            )
    return tuple(facts)


# The report's placeholder words (N/A, no_information, not_supported) are AWS's, not the user's:
# the profile says what each means for its column (IAM User Guide, "Getting credential reports").
CREDENTIAL_WORDS = frozenset({NOT_APPLICABLE, NO_INFORMATION, NOT_SUPPORTED})
NOT_APPLICABLE_WORDS = "not applicable"


def _password_last_used(row: CredentialReportRow) -> str:
    """no_information is "never used" unless the password predates sign-in tracking."""
    use = password_use(row)
    if use.last_used is not None:
        return f"last used {day(use.last_used)}"
    if use.untracked:
        return f"no use recorded (not tracked before {day(PASSWORD_TRACKING_SINCE)})"
    if row.raw("password_last_used").strip() == NO_INFORMATION:
        return "never used"
    return f"last use {NOT_APPLICABLE_WORDS}"


def _key_last_used(row: CredentialReportRow, slot: AccessKeySlot) -> str:
    """N/A is "never used" unless the key predates key-use tracking (2015-04-22)."""
    if slot.last_used is not None:
        return f"last used {day(slot.last_used)}"
    if key_use_untracked(row, slot):
        return f"no use recorded (not tracked before {day(KEY_TRACKING_SINCE)})"
    return "never used"


def principal_profile(
    snapshot: AccountSnapshot, report: Report | None, kind: str, name_or_arn: str
) -> PrincipalProfile:
    principal = find_principal(snapshot, kind, name_or_arn)
    policies = [f"attached: {p.name}" for p in principal.attached_policies]
    policies += [f"inline: {p.name}" for p in principal.inline_policies]
    groups: tuple[str, ...] = ()
    trusted: tuple[str, ...] = ()
    if isinstance(principal, User):
        groups = principal.groups
        by_name = snapshot.group_by_name()
        for group_name in groups:
            group = by_name.get(group_name)
            if group is None:
                continue
            policies += [f"via group {group.name}: {p.name}" for p in group.attached_policies]
            policies += [
                f"via group {group.name} (inline): {p.name}" for p in group.inline_policies
            ]
        credentials = (
            _credential_facts(snapshot.credential_row_for().get(principal.name))
            if snapshot.credential_report is not None
            else _NOT_COLLECTED
        )
    else:
        credentials = (
            CredentialFact(
                "Last used",
                f"{principal.last_used.isoformat(timespec='seconds')}"
                f" in {principal.last_used_region or '?'}"
                if principal.last_used
                else "never (or not in the tracking window)",
            ),
        )
        trusted = _trusted(principal)
    mine = tuple(f for f in report.findings if f.resource_arn == principal.arn) if report else ()
    risks = tuple(f for f in mine if f.check_id.startswith(RISK_CHECK_PREFIXES))
    return PrincipalProfile(
        kind=kind,
        name=principal.name,
        arn=principal.arn,
        created=principal.create_date,
        credentials=credentials,
        groups=tuple(groups),
        policies=tuple(policies),
        boundary=principal.permissions_boundary_arn,
        trusted=trusted,
        risks=risks,
        findings=mine,
    )


def _trusted(role: Role) -> tuple[str, ...]:
    statements = role.trust_policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    out: list[str] = []
    for statement in statements if isinstance(statements, list) else []:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal", {})
        if principal == "*":
            out.append("* (anyone)")
            continue
        if isinstance(principal, dict):
            for key, value in principal.items():
                values = value if isinstance(value, list) else [value]
                out.extend(f"{key}: {v}" for v in values)
    return tuple(out)
