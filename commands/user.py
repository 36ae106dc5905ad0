"""`/iam-audit user <name>`: one IAM user."""

from __future__ import annotations

from commands.principal import show
from commands.request import CommandRequest
from commands.waiting import answers_after_running_audit

NAME = "user"
USAGE = "user <name>"
SUMMARY = "One user: credentials and last use, groups, policies, effective risks, its findings."
EXAMPLES = ("user alice",)


@answers_after_running_audit(NAME)
def handle(request: CommandRequest) -> None:
    show(request, "user")
