"""`iam-audit policies`: the policy catalogue that `/iam-audit apply` draws from."""

from __future__ import annotations

import argparse
import json
import textwrap

from bot.approvals.catalogue import load_catalogue
from bot.clicmd._common import add_format_option, add_output_option, write_output

NAME = "policies"
HELP = "list the policies/ catalogue (name, description, purpose, file)"


EXAMPLES = """\
examples:
  iam-audit policies                          what each shipped policy is for
  iam-audit policies --format json
  iam-audit lint policies/s3-read-example-bucket.json
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter  # keep the examples' lines
    parser.epilog = EXAMPLES
    add_format_option(parser, ("text", "json"))
    add_output_option(parser)
    parser.add_argument(
        "--dir", metavar="DIR", help="a policies directory with catalogue.json (default: shipped)"
    )


def run(args: argparse.Namespace) -> int:
    catalogue = load_catalogue(args.dir)
    if args.format == "json":
        data = {
            "schema": "iam-audit/policy-catalogue/1",
            "policies": [t.to_dict() for t in catalogue.templates],
        }
        write_output(json.dumps(data, indent=2) + "\n", args.output)
        return 0
    lines = []
    for template in catalogue.templates:
        lines.append(f"{template.name}  ({template.file})")
        lines.append(textwrap.indent(textwrap.fill(template.description, 96), "  "))
        lines.append(textwrap.indent(textwrap.fill("Purpose: " + template.purpose, 96), "  "))
        lines.append("")
    write_output("\n".join(lines), args.output)
    return 0
