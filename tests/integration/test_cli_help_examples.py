"""Every subcommand's --help ends with examples, and every example parses as written."""

from __future__ import annotations

import re
import shlex

import pytest

from bot import cli

WITH_EXAMPLES = (
    "audit",
    "snapshot",
    "checks",
    "lint",
    "simulate",
    "findings",
    "analyzer",
    "policies",
    "history",
    "digest",
)


def _help(command: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert cli.main([command, "--help"]) == 0
    return capsys.readouterr().out


def _example_commands(help_text: str) -> list[list[str]]:
    """The `iam-audit ...` lines of the examples (continuations joined, pipes cut off)."""
    section = help_text.split("\nexamples:\n", 1)[1].split("\n\n", 1)[0]
    joined = re.sub(r"\\\n\s*", " ", section)
    commands = []
    for line in joined.splitlines():
        # Two spaces or more start a comment on the same line; pipes and redirections go too.
        command = re.split(r"\s{2,}", line.strip())[0]
        words = shlex.split(command.split("|")[0].split(">")[0])
        while words and "=" in words[0] and not words[0].startswith("-"):
            words = words[1:]  # an environment assignment in front of the command
        if words[:1] == ["iam-audit"]:
            commands.append(words[1:])
    return commands


@pytest.mark.parametrize("command", WITH_EXAMPLES)
def test_help_shows_examples_that_parse(command: str, capsys) -> None:
    text = _help(command, capsys)
    assert "\nexamples:\n" in text
    examples = _example_commands(text)
    assert any(argv[0] == command for argv in examples)
    parser = cli.build_parser(cli.discover_subcommands())
    for argv in examples:
        parser.parse_args(argv)


def test_examples_keep_their_line_breaks(capsys) -> None:
    text = _help("simulate", capsys)
    assert "--action s3:GetObject \\\n      --resource arn:aws:s3:::example-bucket" in text
