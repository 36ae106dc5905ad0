"""The `iam-audit` console entry point: builds the parser from ``bot.clicmd`` and maps errors.

Exit codes: 0 = ran; 1 = findings at or above ``--fail-on``; 2 = bad usage or input (one line on
stderr, never a traceback); 3 = an unexpected internal error (one line; ``-vv`` logs the
traceback); 130 = interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import pkgutil
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import NoReturn

import bot.clicmd
from bot import __version__
from bot.model.collector import gc_paused
from bot.model.errors import IamAuditError

PROG = "iam-audit"
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130

log = logging.getLogger("bot.cli")


class UsageError(Exception):
    """Raised by the parser instead of printing usage and exiting, so main() reports one line."""


class OneLineArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line naming the fix instead of a usage dump."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


@dataclass(frozen=True, slots=True)
class Subcommand:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def discover_subcommands(
    package: ModuleType = bot.clicmd, *, only: str | None = None
) -> list[Subcommand]:
    """Every subcommand module in ``package``; a module that fails to load is logged, not fatal.

    One broken subcommand (say, `serve` missing an optional dependency) must not take `audit`
    down with it. ``only``: just the module of that name (none when it defines another NAME).
    """
    found: dict[str, Subcommand] = {}
    for module_info in pkgutil.iter_modules(package.__path__):
        if module_info.name.startswith("_"):
            continue
        if only is not None and module_info.name != only:
            continue
        qualified = f"{package.__name__}.{module_info.name}"
        try:
            module = importlib.import_module(qualified)
            command = Subcommand(
                name=module.NAME,
                help=module.HELP,
                add_arguments=module.add_arguments,
                run=module.run,
            )
        except Exception as exc:  # a broken plug-in must be visible but not fatal
            log.warning("subcommand module %s is unavailable: %s", qualified, exc)
            log.debug("loading %s failed", qualified, exc_info=True)
            continue
        if command.name in found:
            log.warning("subcommand %r defined twice; keeping the first", command.name)
            continue
        found[command.name] = command
    if only is not None and only not in found:
        return []
    return sorted(found.values(), key=lambda c: c.name)


def subcommands_for(arguments: Sequence[str]) -> list[Subcommand]:
    """The subcommands a parser needs for ``arguments``: only the one they name, when they name
    one that a module of the same name defines, else all of them.

    Importing every subcommand (Slack, Prometheus, the right-sizing engine...) is a third of a
    second that a file-based ``iam-audit audit`` does not need. The parser built from the one
    subcommand parses its arguments and prints its help exactly as the full one does; the
    top-level help, an unknown command and an option before the command get every subcommand.
    """
    name = _requested_command(arguments)
    if name is not None:
        found = discover_subcommands(only=name)
        if found:
            return found
    return discover_subcommands()


def _requested_command(arguments: Sequence[str]) -> str | None:
    for argument in arguments:
        if argument.startswith("-"):
            if argument == "--verbose" or (
                not argument.startswith("--") and set(argument[1:]) == {"v"}
            ):
                continue  # -v / -vv / --verbose before the command: the top level's own
            return None
        return argument if argument.isidentifier() else None
    return None


def build_parser(subcommands: Sequence[Subcommand]) -> argparse.ArgumentParser:
    parser = OneLineArgumentParser(
        prog=PROG,
        description="Audit and safely change AWS IAM from the command line, CI and Slack.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="log to stderr (-vv for debug)"
    )
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=OneLineArgumentParser
    )
    sub.required = True
    for command in subcommands:
        child = sub.add_parser(command.name, help=command.help, description=command.help)
        # Also accept -v after the subcommand; SUPPRESS keeps a top-level -v from being reset.
        child.add_argument(
            "-v", "--verbose", action="count", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
        command.add_arguments(child)
        child.set_defaults(_run=command.run)
    return parser


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at emit time (test capture swaps it)."""

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def _redact_secrets(record: logging.LogRecord) -> bool:
    """The one masking filter (RedactSecrets), loaded with the first record that reaches the
    terminal: most runs log nothing, and its module (metrics, an HTTP server) was a quarter of
    `iam-audit simulate`'s start-up."""
    from bot.runtime.observability import RedactSecrets  # noqa: PLC0415 - the one masking filter

    return RedactSecrets().filter(record)


def configure_logging(verbosity: int) -> None:
    """Warnings by default, -v info, -vv debug; always to stderr so stdout stays the report."""
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter(f"{PROG}: %(levelname)s %(name)s: %(message)s"))
    # -v / -vv show library logs (slack_sdk, botocore): tokens and keys never reach the terminal.
    handler.addFilter(_redact_secrets)
    root = logging.getLogger()
    # Replace only our own handler: calling main() twice must not log twice, and a host that
    # installed handlers (pytest, an embedding app) keeps them.
    for existing in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    if verbosity < 3:
        # botocore's debug logs print request headers; keep them out unless asked for with -vvv.
        for noisy in ("botocore", "boto3", "urllib3", "moto"):
            logging.getLogger(noisy).setLevel(max(level, logging.INFO))


def _fail(message: str, code: int) -> int:
    from bot.render.safe_output import neutralize  # noqa: PLC0415 - only when failing

    if sys.stderr is not None:  # started with stderr closed: the exit code is all that is left
        line = neutralize(f"{PROG}: error: {' '.join(message.split())}")
        with contextlib.suppress(OSError, ValueError):
            print(line, file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    # Logging must work while subcommand modules load, before -v has been parsed.
    configure_logging(_early_verbosity(arguments))
    # Importing subcommands allocates a million objects and no garbage: the collector would
    # only re-scan them (a tenth of a second per run).
    with gc_paused():
        parser = build_parser(subcommands_for(arguments))
    try:
        args = parser.parse_args(arguments)
    except UsageError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except SystemExit as exc:  # --help and --version print, then exit 0
        return exc.code if isinstance(exc.code, int) else 0
    configure_logging(args.verbose)
    from bot.clicmd._common import forget_inputs  # noqa: PLC0415 - loaded with the subcommands

    forget_inputs()
    try:
        return int(args._run(args))
    except IamAuditError as exc:
        log.debug("command failed", exc_info=True)
        return _fail(str(exc), EXIT_USAGE)
    except KeyboardInterrupt:
        return _fail("interrupted", EXIT_INTERRUPTED)
    except MemoryError:  # an input too large to hold (the readers stop at NUL bytes)
        log.debug("out of memory", exc_info=True)
        return _fail(
            "out of memory: an input is too large to process here (run with -vv for the details)",
            EXIT_USAGE,
        )
    except RecursionError:  # input nested past what the loaders bound (they should catch it)
        log.debug("recursion limit", exc_info=True)
        return _fail("the input is nested too deeply to process", EXIT_USAGE)
    except BrokenPipeError:
        # `iam-audit ... | head` closed the pipe: not an error worth a message. Point stdout at
        # /dev/null so the interpreter's final flush does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:  # the last line of defence: one sentence, details only with -v
        log.debug("unexpected error", exc_info=True)
        return _fail(
            f"unexpected {type(exc).__name__}: {exc} (run with -vv for the details)",
            EXIT_INTERNAL,
        )


def _early_verbosity(arguments: Sequence[str]) -> int:
    count = 0
    for argument in arguments:
        if argument == "--verbose":
            count += 1
        elif argument.startswith("-") and not argument.startswith("--"):
            letters = argument[1:]
            if letters and set(letters) == {"v"}:
                count += len(letters)
    return count


def console_main() -> NoReturn:
    """The `iam-audit` console script: :func:`main`, then exit without tearing the heap down.

    An audit of a large account leaves millions of objects (caches, the snapshot) for the
    interpreter to free one by one at exit: over a second of CPU for a 10,000-principal account,
    with the report already written. Once the output is flushed, nothing is left to do, so the
    process ends at once, unless a thread is still running (the interpreter must wait for it).
    """
    code = main()
    if threading.active_count() > 1:
        sys.exit(code)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # None: started with the stream closed (`>&-`)
                stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can be written
            continue
    os._exit(code)


if __name__ == "__main__":
    console_main()
