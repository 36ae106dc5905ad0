"""`/iam-audit role <name>`: one IAM role."""

from __future__ import annotations

from commands.principal import show
from commands.request import CommandRequest
from commands.waiting import answers_after_running_audit

NAME = "role"
USAGE = "role <name>"
SUMMARY = "One role: trust, last use, policies, effective risks, its findings."
EXAMPLES = ("role deploy",)


@answers_after_running_audit(NAME)
def handle(request: CommandRequest) -> None:
    show(request, "role")
