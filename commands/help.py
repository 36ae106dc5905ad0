"""`/iam-audit help`: every subcommand with its usage and examples."""

from __future__ import annotations

from commands.request import CommandRequest

NAME = "help"
USAGE = "help"
SUMMARY = "List the subcommands with examples."
EXAMPLES: tuple[str, ...] = ()


def handle(request: CommandRequest) -> None:
    from commands.router import help_message  # noqa: PLC0415 - the router imports this module

    request.reply(help_message())
