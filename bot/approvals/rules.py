"""Who may request and who may approve IAM changes (pure; group membership is asked for).

IAM_AUDIT_REQUESTERS / IAM_AUDIT_APPROVERS hold Slack user ids (U.../W...) and user-group ids
(S...). No requesters configured = anyone allowed to use the bot; no approvers configured = nothing
can be applied, and the refusal says how to configure them. A requester never approves their own
request, whatever else they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.approvals.model import ApprovalRequest

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")

DEFAULT_TTL_SECONDS = 24 * 3600
HOW_TO_CONFIGURE = (
    "No approvers are configured, so no change can be applied. Set IAM_AUDIT_APPROVERS to a"
    " comma-separated list of Slack user ids (U...) and/or user-group ids (S...), or"
    " `approvers` under [approvals] in the config file, and restart the bot."
)

# (user id, group id) -> is the user in the group; Slack answers it (usergroups.users.list).
IsMember = Callable[[str, str], bool]


@dataclass(frozen=True, slots=True)
class People:
    """A set of Slack users given by user ids and user-group ids."""

    user_ids: frozenset[str] = frozenset()
    group_ids: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not self.user_ids and not self.group_ids

    def includes(self, user_id: str, is_member: IsMember) -> bool:
        if user_id in self.user_ids:
            return True
        return any(is_member(user_id, group) for group in sorted(self.group_ids))

    def mention(self) -> str:
        parts = [f"<@{u}>" for u in sorted(self.user_ids)]
        parts += [f"<!subteam^{g}>" for g in sorted(self.group_ids)]
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class ApprovalRules:
    """The approvals part of Settings."""

    requesters: People = People()
    approvers: People = People()
    channel: str = ""  # empty: the channel the request came from
    ttl_seconds: int = DEFAULT_TTL_SECONDS

    def request_refusal(self, user_id: str, is_member: IsMember) -> str | None:
        """None when ``user_id`` may ask for a change; otherwise the sentence to show."""
        if self.approvers.empty:
            return HOW_TO_CONFIGURE
        if self.requesters.empty or self.requesters.includes(user_id, is_member):
            return None
        return (
            "Sorry, you are not allowed to request IAM changes. Ask an admin to add you (or your"
            " user group) to IAM_AUDIT_REQUESTERS."
        )

    def decision_refusal(
        self, request: ApprovalRequest, user_id: str, is_member: IsMember, *, approving: bool
    ) -> str | None:
        """None when ``user_id`` may approve (or reject) ``request``; otherwise why not.

        The requester may not approve their own request (four eyes, also for admins) but may
        withdraw it: rejecting one's own request is a cancellation, handled by the caller.
        """
        if self.approvers.empty:
            return HOW_TO_CONFIGURE
        if approving and user_id == request.requester:
            return (
                "You cannot approve your own request: another approver has to. Nothing was changed."
            )
        if user_id == request.requester:
            return None  # withdrawing one's own request
        if not self.approvers.includes(user_id, is_member):
            return (
                "Sorry, only the configured approvers can decide on this request. Nothing was"
                " changed."
            )
        return None


def parse_approval_rules(
    env: Mapping[str, str], table: Mapping[str, Any], problems: list[str]
) -> ApprovalRules:
    """Read IAM_AUDIT_REQUESTERS / _APPROVERS / _APPROVAL_CHANNEL / _APPROVAL_TTL (environment
    wins over the [approvals] table of the config file); problems are appended, not raised."""

    def pick(env_name: str, key: str, default: Any = "") -> Any:
        if env.get(env_name, "") != "":
            return env[env_name]
        return table.get(key, default)

    requesters = _people(
        "IAM_AUDIT_REQUESTERS", pick("IAM_AUDIT_REQUESTERS", "requesters"), problems
    )
    approvers = _people("IAM_AUDIT_APPROVERS", pick("IAM_AUDIT_APPROVERS", "approvers"), problems)
    channel = str(pick("IAM_AUDIT_APPROVAL_CHANNEL", "channel")).strip()
    if channel and not _CHANNEL_ID.match(channel):
        problems.append(
            f"IAM_AUDIT_APPROVAL_CHANNEL: {channel!r} is not a channel id (like C0123ABCD)"
        )
    raw_ttl = pick("IAM_AUDIT_APPROVAL_TTL", "ttl_seconds", DEFAULT_TTL_SECONDS)
    try:
        if isinstance(raw_ttl, bool):
            raise ValueError
        ttl = int(raw_ttl)
    except (TypeError, ValueError):
        problems.append(f"IAM_AUDIT_APPROVAL_TTL must be an integer (seconds), got {raw_ttl!r}")
        ttl = DEFAULT_TTL_SECONDS
    if not 60 <= ttl <= 30 * 86400:
        problems.append(f"IAM_AUDIT_APPROVAL_TTL must be between 60 and 2592000, got {ttl}")
    for key in table:
        if key not in ("requesters", "approvers", "channel", "ttl_seconds"):
            problems.append(f"[approvals]: unknown option {key!r}")
    return ApprovalRules(requesters, approvers, channel, ttl)


def _people(name: str, raw: Any, problems: list[str]) -> People:
    return People(*parse_slack_ids(name, raw, problems))


def id_list(name: str, raw: Any, problems: list[str]) -> list[str]:
    """The ids of a setting written as a comma-separated string (environment) or a list (config
    file); any other shape is a problem named after the setting ``name``, and no ids."""
    if isinstance(raw, str):
        return [item.strip() for item in raw.split(",") if item.strip()]
    if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        return [item.strip() for item in raw if item.strip()]
    problems.append(f"{name} must be a comma-separated string or a list of ids")
    return []


def parse_slack_ids(
    name: str, raw: Any, problems: list[str]
) -> tuple[frozenset[str], frozenset[str]]:
    """(user ids, user-group ids) of a setting naming Slack people; an id of neither kind is a
    problem (both the approvals rules and the subcommand allowlists are written this way)."""
    users: set[str] = set()
    groups: set[str] = set()
    for item in id_list(name, raw, problems):
        if _USER_ID.match(item):
            users.add(item)
        elif _GROUP_ID.match(item):
            groups.add(item)
        else:
            problems.append(
                f"{name}: {item!r} is neither a user id (U...) nor a user-group id (S...)"
            )
    return frozenset(users), frozenset(groups)
