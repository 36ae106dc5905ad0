"""The small error hierarchy every layer speaks; adapters translate foreign errors into these."""

from __future__ import annotations


class IamAuditError(Exception):
    """Base of every error this tool raises on purpose; its message is fit for a user."""


class InputError(IamAuditError):
    """Bad usage or input a user supplied (file missing, wrong shape, unknown check id)."""


class ConfigError(IamAuditError):
    """Configuration is invalid; carries every problem found, not just the first."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("invalid configuration: " + "; ".join(self.problems))


class CollectionError(IamAuditError):
    """An AWS read failed; names the API and the IAM action needed when that is the cause."""

    def __init__(self, message: str, *, api: str = "", action: str = "", code: str = "") -> None:
        self.api = api
        self.action = action
        self.code = code
        super().__init__(message)


class RemediationError(IamAuditError):
    """An AWS write (apply, remediate, rollback) failed."""


class DeliveryError(IamAuditError):
    """Posting to Slack failed after retries. ``slack_error`` is Slack's own answer (its
    ``error`` code) when Slack answered; None when it could not be reached or the answer was
    lost, and then the call may or may not have happened."""

    def __init__(self, message: str, *, slack_error: str | None = None) -> None:
        super().__init__(message)
        self.slack_error = slack_error


class StoreError(IamAuditError):
    """The state store (Redis) could not be reached or refused an operation."""
