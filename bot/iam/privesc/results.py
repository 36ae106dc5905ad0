"""What the escalation search reports: the methods a principal holds, and its escalation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.iam.effective import Access
from bot.iam.privesc_methods import EscalationMethod

SHARED_KEY = "iam.privilege_escalation"


@dataclass(frozen=True, slots=True)
class HeldMethod:
    """One escalation method a principal holds, with the grant behind each action."""

    method: EscalationMethod
    accesses: tuple[Access, ...]
    chain: tuple[str, ...] = ()  # sts-001: principal, intermediate roles..., admin role
    direct: bool = True  # the holder itself gains (False: it can escalate other principals)
    enables: str = ""
    # policies(), worked out on first use: a held method is shared by every principal with
    # the same policy set, and each finding's sentence and evidence ask for it again.
    _policies: tuple[str, ...] | None = field(default=None, init=False, repr=False, compare=False)

    def policies(self) -> tuple[str, ...]:
        found = self._policies
        if found is None:
            accesses = self.accesses
            if len(accesses) == 1:
                found = accesses[0].policies()
            else:
                found = tuple(dict.fromkeys([p for a in accesses for p in a.policies()]))
            object.__setattr__(self, "_policies", found)
        return found

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "method": self.method.id,
            "category": self.method.category,
            "direct": self.direct,
            "enables": self.enables,
            "actions": [
                {"action": a.action, "resource": a.resource, "policies": list(a.policies())}
                for a in self.accesses
            ],
            "policies": list(self.policies()),
            "sources": list(self.method.source_ids),
        }
        if self.method.requires:
            body["requires"] = self.method.requires
        if self.chain:
            body["chain"] = list(self.chain)
        return body


@dataclass(frozen=True, slots=True)
class Escalation:
    principal_arn: str
    methods: tuple[HeldMethod, ...]
    assumptions: tuple[str, ...] = field(default=())
    _policies: tuple[str, ...] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def method_ids(self) -> tuple[str, ...]:
        return tuple(m.method.id for m in self.methods)

    @property
    def direct(self) -> bool:
        """Whether some method lets the principal escalate itself (not only others)."""
        return any(m.direct for m in self.methods)

    def policies(self) -> tuple[str, ...]:
        """Every granting policy, in method order (asked by the finding's sentence and its
        evidence alike: worked out once)."""
        found = self._policies
        if found is None:
            found = tuple(dict.fromkeys([p for m in self.methods for p in m.policies()]))
            object.__setattr__(self, "_policies", found)
        return found
