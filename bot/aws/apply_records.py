"""What an apply records and is told: AWS call records, its context, the tags it sets.

Shared by the executor (bot/aws/remediate.py) and the step modules it runs (rightsize_apply.py),
so a step module needs nothing from the executor but the small protocol below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

TAG_REQUEST = "iam-audit:request-id"
TAG_REQUESTER = "iam-audit:requester"
TAG_APPROVER = "iam-audit:approver"


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One AWS call of an apply (or of its rollback), as the audit trail keeps it."""

    api: str
    ok: bool
    request_id: str = ""
    error_code: str = ""
    message: str = ""
    rollback: bool = False
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "api": self.api,
            "ok": self.ok,
            "request_id": self.request_id,
            "error_code": self.error_code,
            "message": self.message,
            "rollback": self.rollback,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class ApplyContext:
    request_id: str
    requester: str
    approver: str


class StepExecutor(Protocol):
    """What a step module needs of the executor: recorded calls and the account's identity."""

    def call(
        self,
        calls: list[CallRecord],
        service: str,
        api: str,
        *,
        rollback: bool = False,
        **kwargs: Any,
    ) -> dict[str, Any]: ...

    def partition(self) -> str: ...

    def account_id(self) -> str: ...
