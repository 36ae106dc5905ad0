"""The CLI imports only the subcommand it runs, and parses exactly as with every subcommand."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import cli

_ALL = cli.discover_subcommands()
_NAMES = [c.name for c in _ALL]


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["audit", "--gaad", "g.json"], ["audit"]),
        (["-v", "audit"], ["audit"]),
        (["-vv", "--verbose", "lint", "x.json"], ["lint"]),
        (["--help"], _NAMES),
        (["--version"], _NAMES),
        ([], _NAMES),
        (["nosuch"], _NAMES),
        (["--bogus", "audit"], _NAMES),
        (["../audit"], _NAMES),
    ],
)
def test_subcommands_for_names_only_the_one_asked(arguments, expected) -> None:
    assert [c.name for c in cli.subcommands_for(arguments)] == expected


_WORDS = st.sampled_from(
    [
        "--gaad",
        "g.json",
        "--format",
        "json",
        "sarif",
        "--checks",
        "user.inactive",
        "--demo",
        "-o",
        "out",
        "-v",
        "--min-severity",
        "high",
        "--fail-on",
        "--bogus",
        "x",
    ]
)


def _outcome(parser, arguments: list[str]):
    try:
        return ("ok", vars(parser.parse_args(arguments)))
    except cli.UsageError as exc:
        return ("usage", str(exc))
    except SystemExit as exc:
        return ("exit", exc.code)


@settings(max_examples=300, deadline=None)
@given(command=st.sampled_from(_NAMES), rest=st.lists(_WORDS, max_size=6), verbose=st.booleans())
def test_one_subcommand_parser_parses_as_the_full_one(command, rest, verbose) -> None:
    arguments = (["-v"] if verbose else []) + [command, *rest]
    full = cli.build_parser(_ALL)
    narrow = cli.build_parser(cli.subcommands_for(arguments))
    assert _outcome(narrow, arguments) == _outcome(full, arguments)


def test_audit_does_not_import_other_subcommands_dependencies() -> None:
    code = (
        "import sys\n"
        "from bot import cli\n"
        "try:\n"
        "    cli.main(['audit', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in ('prometheus_client', 'http.server', 'bot.rightsize.proposal',"
        " 'bot.digest.content', 'bot.render.sarif', 'bot.clicmd.serve') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"
