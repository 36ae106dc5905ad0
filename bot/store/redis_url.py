"""Redis clients from a configured URL, with the URL's mistakes reported as configuration errors.

redis-py reads a URL's query string into client options (``?socket_timeout=5``): a value it cannot
convert is a ValueError when the client is built, and an option it does not know is a TypeError
only when the first connection is made, deep inside whatever ran first. Both are checked here,
without connecting, so a bad REDIS_URL is one sentence at start (exit 2), never an "unexpected"
error later; the password, if any, is masked.
"""

from __future__ import annotations

import re
from typing import Any

import redis

from bot.model.errors import InputError

_PASSWORD = re.compile(r"(//[^/@:]*:)[^/@]*@")


def masked(url: str) -> str:
    """The URL with its password (``redis://user:secret@host``) replaced: errors never echo
    secrets. Written here, not taken from bot.runtime: the store adapter stays below it."""
    return _PASSWORD.sub(r"\1***@", url)


def redis_client(url: str, option: str = "REDIS_URL", **options: Any) -> redis.Redis:
    """``redis.Redis.from_url(url, **options)``, its connection options checked without
    connecting; a malformed URL is an InputError naming ``option``."""
    try:
        client = redis.Redis.from_url(url, **options)
        pool = client.connection_pool
        pool.connection_class(**pool.connection_kwargs)  # builds, does not connect
    except (ValueError, TypeError) as exc:
        unknown = _UNKNOWN_OPTION.search(str(exc))
        reason = f"no Redis client option {unknown.group(1)!r}" if unknown else str(exc)
        raise InputError(f"{option} is not a valid Redis URL ({reason}): {masked(url)!r}") from None
    return client


_UNKNOWN_OPTION = re.compile(r"unexpected keyword argument '([^']*)'")
