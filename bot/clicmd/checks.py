"""`iam-audit checks`: the check catalogue (ids, severities, anchors, permissions, fixes)."""

from __future__ import annotations

import argparse

from bot.audit.registry import all_checks
from bot.clicmd._common import add_format_option, add_output_option, write_output
from bot.render.catalogue import CATALOGUE_FORMATS, render_catalogue

NAME = "checks"
HELP = "list every check with its severity, anchors, IAM permissions and remediation"


EXAMPLES = """\
examples:
  iam-audit checks                                  the catalogue, one check per paragraph
  iam-audit checks --format json | jq -r '.[].id'   just the ids (for --checks and suppressions)
  iam-audit checks --format markdown -o CHECKS.md
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter  # keep the examples' lines
    parser.epilog = EXAMPLES
    add_format_option(parser, CATALOGUE_FORMATS)
    add_output_option(parser)


def run(args: argparse.Namespace) -> int:
    metas = [check.meta for check in all_checks().values()]
    write_output(render_catalogue(metas, args.format), args.output)
    return 0
