"""Helpers every `iam-audit` subcommand shares: common options, reading inputs, writing output.

Everything here turns a user's mistake into an ``InputError`` whose message is one sentence;
``bot.cli.main`` prints it as ``iam-audit: error: ...`` and exits 2.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import stat
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.model.bounded_read import read_bounded
from bot.model.errors import InputError
from bot.model.safe_parse import UnsafeInput, parse_json
from bot.render.safe_output import neutralize, neutralize_dumped_json, safe_for_output

if TYPE_CHECKING:  # imported where used: a command that needs none of them starts faster
    from bot.audit.config import AuditConfig
    from bot.audit.findings import Severity
    from bot.clicmd._progress import Progress
    from bot.model.snapshot import AccountSnapshot

STDIO = "-"

# The regular files this command has read, by (device, inode): an --output naming one of them
# (the same path, a symlink or a hard link to it) would replace an input with the report.
_inputs_read: set[tuple[int, int]] = set()
# What standard input was read as ("GAAD file"), once it has been: a second '-' would read
# nothing and be reported as an empty file.
_stdin_read_as: list[str] = []


# --- options ------------------------------------------------------------------------------


def add_aws_options(parser: argparse.ArgumentParser) -> None:
    """``--profile`` / ``--region``: passed to ``make_session``; unset = boto3's own chain."""
    group = parser.add_argument_group("AWS")
    group.add_argument("--profile", help="named profile from ~/.aws/config (default: boto3 chain)")
    group.add_argument("--region", help="region for regional APIs (default: boto3 chain)")
    group.add_argument(
        "--deadline",
        type=deadline_arg,
        metavar="SECONDS",
        default=None,
        help="stop reading AWS after SECONDS; what was not read is reported as a collection"
        " issue (default: IAM_AUDIT_DEADLINE_SECONDS, else no deadline)",
    )


def deadline_arg(text: str) -> float:
    """argparse ``type=`` for --deadline: a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text[:40]!r}") from None
    if not 0 < value < 10**7:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds: {text[:40]!r}")
    return value


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="TOML file with [thresholds], [severity] overrides and [[suppressions]]",
    )


def add_format_option(
    parser: argparse.ArgumentParser, choices: tuple[str, ...], default: str = "text"
) -> None:
    parser.add_argument(
        "--format",
        "-f",
        choices=choices,
        default=default,
        help=f"output format (default: {default})",
    )


def add_output_option(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    parser.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        required=required,
        default=None if required else STDIO,
        help="write to FILE ('-' = standard output)" + ("" if required else " (default: -)"),
    )


def severity_arg(text: str) -> Severity:
    """argparse ``type=`` for severities: a bad value becomes a one-line usage error."""
    from bot.audit.findings import Severity  # noqa: PLC0415 - see the imports

    try:
        return Severity.parse(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_color_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text format (auto: only on a terminal, and not when NO_COLOR is set)",
    )


def use_color(choice: str, *, output: str | None, stream: TextIO | None = None) -> bool:
    """Decide colour at the edge: a TTY on stdout, no NO_COLOR, not a dumb terminal."""
    if choice == "always":
        return True
    if choice == "never" or (output not in (None, STDIO)):
        return False
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


# --- the clock ----------------------------------------------------------------------------


def utc_now() -> datetime:
    """The one clock read of a command; everything below takes ``now`` as an argument."""
    return datetime.now(UTC)


# --- reading inputs -----------------------------------------------------------------------


def remember_input(path: str | Path) -> None:
    """Note that ``path`` is an input of this command, so that --output cannot replace it."""
    with contextlib.suppress(OSError, ValueError):
        status = os.stat(path)
        if stat.S_ISREG(status.st_mode):
            _inputs_read.add((status.st_dev, status.st_ino))


def forget_inputs() -> None:
    """A new command starts (bot.cli.main): the files an earlier one read are not its inputs."""
    _inputs_read.clear()
    _stdin_read_as.clear()


def _is_input(file: Path) -> bool:
    try:
        status = os.stat(file)
    except (OSError, ValueError):
        return False
    return (status.st_dev, status.st_ino) in _inputs_read


def read_text_file(path: str, *, what: str) -> str:
    """A UTF-8 file's text (``-`` = standard input); names ``what`` it was in every error."""
    if path == STDIO:
        return read_stdin(what=what)
    file = Path(path)
    remember_input(file)
    try:
        with file.open("rb") as stream:
            return read_bounded(stream).decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{what} not found: {file}") from None
    except IsADirectoryError:
        raise InputError(f"{what} {file} is a directory, not a file") from None
    except PermissionError:
        raise InputError(f"{what} {file} cannot be read: permission denied") from None
    except UnicodeDecodeError:
        raise InputError(f"{what} {file} is not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{what} {file} cannot be read: {exc.strerror or exc}") from None


def read_stdin(*, what: str) -> str:
    """Standard input read as a file is: its bytes decoded as UTF-8, a leading BOM dropped.

    ``sys.stdin.read()`` decodes with the locale's error handler: a strict one (any UTF-8 locale
    but C.UTF-8) raised UnicodeDecodeError, an "unexpected" exit 3, and a BOM was kept (a valid
    policy linted as MALFORMED)."""
    if _stdin_read_as:
        raise InputError(
            f"{what} '-': standard input is already the {_stdin_read_as[0]}; only one input"
            " can come from it, give a file for the other"
        )
    _stdin_read_as.append(what)
    try:
        return stdin_bytes(what=what).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{what} standard input is not UTF-8 text (byte {exc.start} cannot be decoded)"
        ) from None


def stdin_bytes(*, what: str) -> bytes:
    """Everything on standard input, undecoded (a replaced text stdin without a buffer, as in
    tests, is encoded back; a lone surrogate in it then fails to decode as UTF-8)."""
    stream = sys.stdin
    if stream is None:
        raise InputError(f"{what} standard input is closed")
    try:
        buffer = getattr(stream, "buffer", None)
        if buffer is None:
            return stream.read().encode("utf-8", "surrogatepass")
        return read_bounded(buffer)
    except (OSError, ValueError) as exc:  # ValueError: "I/O operation on closed file"
        raise InputError(f"{what} standard input cannot be read: {exc}") from None


def read_json_file(path: str, *, what: str) -> Any:
    """Parsed JSON from a file (``-`` = standard input); bad JSON names the line and column."""
    text = read_text_file(path, what=what)
    name = "standard input" if path == STDIO else path
    try:
        return parse_json(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{what} {name} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except UnsafeInput as exc:
        raise InputError(f"{what} {name} cannot be used: {exc}") from None


def refuse_unsafe_json(text: str, *, what: str, path: str) -> str:
    """``text`` unchanged unless it is JSON nested too deeply or holding a giant number (an
    InputError then); JSON syntax errors are left to the caller, which may report them itself."""
    try:
        parse_json(text)
    except json.JSONDecodeError:
        pass
    except UnsafeInput as exc:
        name = "standard input" if path == STDIO else path
        raise InputError(f"{what} {name} cannot be used: {exc}") from None
    return text


def read_json_object(path: str, *, what: str) -> dict[str, Any]:
    """Like :func:`read_json_file` but the top level must be a JSON object."""
    data = read_json_file(path, what=what)
    if not isinstance(data, dict):
        raise InputError(
            f"{what} {path} must contain a JSON object, found a JSON {_json_kind(data)}"
        )
    return data


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"


def load_config(path: str | None) -> AuditConfig:
    """The audit config from ``--config`` (validated against the registered check ids)."""
    from bot.audit.config import AuditConfig, load_audit_config  # noqa: PLC0415
    from bot.audit.registry import all_checks  # noqa: PLC0415

    if path is None:
        return AuditConfig()
    remember_input(path)
    return load_audit_config(path, known_checks=set(all_checks()))


# --- writing output -----------------------------------------------------------------------


def write_output(text: str, path: str | None, *, color: bool = False) -> None:
    """Write to ``path``, or to standard output for ``None`` / ``-``; errors become InputError.

    Every output passes :func:`safe_for_output` (control characters, bidi controls and lone
    surrogates made visible; ``color``: the text's own colour codes kept, see RenderOptions),
    and a file is written whole or not at all: a temporary file beside it, then renamed, so a
    failure never leaves an empty or half-written report behind. A symlink is followed (the
    link stays, its target is rewritten), and what is not a regular file (``/dev/null``, a FIFO,
    ``/dev/stderr``) is written to in place: renaming over it would replace the device itself.
    """
    text = safe_for_output(text, color=color)
    if path in (None, STDIO):
        _write_stdout(text)
        return
    _write_file(Path(_output_path(path)), (text,))


def write_json_chunks(chunks: Iterable[str], path: str | None) -> None:
    """:func:`write_output` for a JSON document made piece by piece (bot.render.json_report
    .json_chunks): to a file, each piece is neutralized and written as it comes, so a report of
    tens of MB is never joined nor encoded whole (those copies were a third of a large audit's
    peak memory); the file is still written whole or not at all. Standard output gets the
    joined text, as from write_output."""
    if path in (None, STDIO):
        write_output("".join(chunks), path)
        return
    _write_file(Path(_output_path(path)), (neutralize_dumped_json(chunk) for chunk in chunks))


def _output_path(path: str) -> str:
    """``path`` unless it is empty (``--output ''`` named the current directory)."""
    if not path.strip():
        raise InputError("--output is empty: give a file name, or '-' for standard output")
    return path


def _write_file(file: Path, pieces: Iterable[str]) -> None:
    """The pieces to a temporary file beside ``file``, then renamed over it; a device or FIFO
    is written in place and a symlink's target replaced (see :func:`write_output`)."""
    if _is_input(file):
        raise InputError(
            f"cannot write {file}: it is an input of this command, which the output would"
            " replace; write to another file"
        )
    temporary: Path | None = None
    try:
        if file.exists() and not file.resolve().is_file():
            with file.open("w", encoding="utf-8") as stream:
                for piece in pieces:
                    stream.write(piece)
            return
        file = file.resolve() if file.is_symlink() else file
        temporary = file.with_name(f".{file.name}.{os.getpid()}.tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            for piece in pieces:
                handle.write(piece)
        os.replace(temporary, file)
    except FileNotFoundError as exc:
        if not file.parent.is_dir():
            raise InputError(f"cannot write {file}: its directory does not exist") from None
        # /proc/version: the directory is there, but no file can be made in it
        raise InputError(
            f"cannot write {file}: no file can be created in {file.parent} ({exc.strerror or exc})"
        ) from None
    except IsADirectoryError:
        raise InputError(f"cannot write {file}: it is a directory") from None
    except PermissionError:
        raise InputError(f"cannot write {file}: permission denied") from None
    except OSError as exc:
        raise InputError(f"cannot write {file}: {exc.strerror or exc}") from None
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def _write_stdout(text: str) -> None:
    """Standard output, or one clear InputError when it is closed or cannot take the text."""
    stream = sys.stdout
    if stream is None or getattr(stream, "closed", False):
        raise InputError("standard output is closed; write the report to a file with -o FILE")
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        raise  # `| head`: bot.cli treats a closed pipe as a normal end
    except OSError as exc:
        _detach_stdout()
        raise InputError(
            f"cannot write to standard output: {exc.strerror or exc}; use -o FILE"
        ) from None
    except ValueError:  # "I/O operation on closed file"
        raise InputError(
            "standard output is closed; write the report to a file with -o FILE"
        ) from None


def _detach_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def note(message: str) -> None:
    """A one-line status message on stderr (stdout stays clean for the report); it often quotes
    a file or a config value, so control characters are shown, never obeyed."""
    print(neutralize(f"iam-audit: {message}"), file=sys.stderr)


# --- where a snapshot comes from ----------------------------------------------------------


def live_snapshot(
    *,
    profile: str | None,
    region: str | None,
    now: datetime,
    deadline: float | None = None,
    progress: Progress | None = None,
) -> AccountSnapshot:
    """Collect the account the AWS credential chain points at (CollectionError on failure);
    ``progress`` (bot.clicmd._progress) is told of every AWS call."""
    from bot.aws.access_analyzer import AnalyzerScope  # noqa: PLC0415
    from bot.aws.collect import collect_snapshot  # noqa: PLC0415 - boto3 only when needed
    from bot.aws.session import make_session  # noqa: PLC0415

    session = make_session(profile=profile, region=region)
    if progress is not None:
        from bot.clicmd._progress import watch_api_calls  # noqa: PLC0415

        watch_api_calls(session, progress)
    # Access Analyzer in the account's enabled regions (capped), for the analyzer.* checks.
    return collect_snapshot(
        session, now=now, access_analyzer=AnalyzerScope(), deadline_seconds=deadline
    )


def demo_snapshot(*, now: datetime) -> AccountSnapshot:
    """The built-in demo account (moto, in process; no AWS account involved)."""
    from bot.aws.demo import build_demo_snapshot  # noqa: PLC0415 - moto only when needed

    return build_demo_snapshot(now=now)


def snapshot_file(path: str) -> AccountSnapshot:
    """A snapshot written by `iam-audit snapshot` (schema iam-audit/snapshot/1)."""
    from bot.audit.credential_report import rows_once  # noqa: PLC0415
    from bot.audit.gaad import reference_gaps  # noqa: PLC0415
    from bot.model.snapshot import AccountSnapshot  # noqa: PLC0415 - see the imports

    data = read_json_object(path, what="snapshot file")
    try:
        snapshot = AccountSnapshot.from_dict(data)
        # Refused in a CSV at load, so refused here too: accepted, a bad cell turned into an
        # error finding of each check that read it (or, a flag, into no finding at all).
        if snapshot.credential_report:
            rows = rows_once(
                (f"credential_report[{index}]", row)
                for index, row in enumerate(snapshot.credential_report)
            )
            if len(rows) != len(snapshot.credential_report):
                snapshot = dataclasses.replace(snapshot, credential_report=rows)
    except InputError as exc:
        raise InputError(f"snapshot file {path}: {exc}") from None
    # A hand-made or edited snapshot may attach what it does not hold: said, as for --gaad.
    gaps = reference_gaps(snapshot, where="the snapshot's")
    if gaps:
        snapshot = dataclasses.replace(
            snapshot, collection_issues=(*snapshot.collection_issues, *gaps)
        )
    return snapshot


def gaad_snapshot(
    gaad_path: str, *, credential_report_path: str | None, now: datetime
) -> AccountSnapshot:
    """A snapshot from `aws iam get-account-authorization-details` output (+ optional CSV)."""
    from bot.audit.gaad import snapshot_from_gaad  # noqa: PLC0415

    gaad = read_json_object(gaad_path, what="GAAD file")
    report_csv = (
        read_text_file(credential_report_path, what="credential report")
        if credential_report_path
        else None
    )
    try:
        return snapshot_from_gaad(gaad, now=now, credential_report_csv=report_csv)
    except InputError as exc:
        inputs = gaad_path + (f" / {credential_report_path}" if credential_report_path else "")
        raise InputError(f"{inputs}: {exc}") from None
