"""Subcommands of `iam-audit`, one module each, discovered by ``bot.cli``.

A subcommand module exposes ``NAME: str``, ``HELP: str``,
``add_arguments(parser: argparse.ArgumentParser) -> None`` and
``run(args: argparse.Namespace) -> int``. Modules whose name starts with ``_`` are helpers.
Import heavy libraries (boto3, slack_bolt, moto) inside ``run`` so every command starts fast.
"""
