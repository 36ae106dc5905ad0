"""Read a user's file without trusting its size or its bytes: stop at a NUL byte or a size limit.

A path can name a device (/dev/zero never ends), a binary or a huge file: read whole, each was
read until memory ran out. Text inputs never hold a NUL byte, and a config file is kilobytes.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import BinaryIO

from bot.model.errors import InputError

CHUNK = 1 << 20
# A config file is a few kilobytes of TOML: a megabyte is room for any real one.
MAX_CONFIG_BYTES = 1 << 20


def read_bounded(stream: BinaryIO, limit: int | None = None) -> bytes:
    """All of ``stream``, or only up to the first piece holding a NUL byte, or (``limit``) its
    first ``limit + 1`` bytes: no JSON, CSV or TOML input holds a NUL, and `--gaad /dev/zero`
    (or /dev/urandom, which holds one in any megabyte) was read until memory ran out. What is
    returned fails to decode or parse where the file does, so the message is the same; a
    result longer than ``limit`` says the file is larger."""
    pieces: list[bytes] = []
    total = 0
    while True:
        size = CHUNK if limit is None else min(CHUNK, limit + 1 - total)
        if size <= 0:
            break
        chunk = stream.read(size)
        if not chunk:
            break
        pieces.append(chunk)
        total += len(chunk)
        if b"\x00" in chunk:
            break
    return b"".join(pieces)


def read_config_text(path: Path, *, what: str = "config file", syntax: str = "TOML") -> str:
    """The text of a small config file (a UTF-8 BOM dropped); anything that is not one (a
    device, a binary, a file over a megabyte, another encoding) is an InputError saying so.
    ``syntax``: what the file should hold (TOML, or JSON for the approvals catalogue)."""
    try:
        with path.open("rb") as stream:
            data = read_bounded(stream, MAX_CONFIG_BYTES)
    except FileNotFoundError:
        raise InputError(f"{what} not found: {path}") from None
    except IsADirectoryError:
        raise InputError(f"cannot read {what} {path}: it is a directory, not a file") from None
    except PermissionError:
        raise InputError(f"cannot read {what} {path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise InputError(
            f"cannot read {what} {path}: it is larger than {MAX_CONFIG_BYTES >> 20} MB, so it is"
            " not a config file (a config is a few kilobytes)"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        offset = exc.start + (3 if data.startswith(codecs.BOM_UTF8) else 0)  # of the file's bytes
        raise InputError(
            f"cannot read {what} {path}: it is not UTF-8 text (byte {offset} cannot be decoded)"
        ) from None
    if "\x00" in text:  # valid UTF-8 (/dev/zero is), but never TOML: said before parsing
        raise InputError(
            f"{what} {path} is not valid {syntax}: it holds a NUL byte (is it a binary file?)"
        )
    return text
