"""Suppressions approved from Slack: Redis store, TOML export the config loader accepts, CLI."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import redis

from bot.approvals.suppressions import (
    MemorySuppressions,
    StoredSuppression,
    active_rules,
    glob_literal,
    to_toml,
)
from bot.audit.config import audit_config_from_dict
from bot.audit.registry import all_checks
from bot.model.errors import StoreError
from bot.store.suppressions import RedisSuppressions

URL = "redis://127.0.0.1:6379/15"
ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def item(
    check: str = "user.without_mfa", resource: str = "arn:aws:iam::123456789012:user/bob", **kw
):
    values = {
        "reason": 'break-glass "user" \\ reviewed',
        "expires": date(2026, 12, 30),
        "requested_by": "UREQ",
        "approved_by": "UAPP1",
        "request_id": "abc123",
        "approved_at": NOW,
    }
    values.update(kw)
    return StoredSuppression(check=check, resource=glob_literal(resource), **values)


@pytest.fixture
def store():
    key = f"test:{uuid.uuid4().hex}:suppressions"
    client = redis.Redis.from_url(URL, decode_responses=True)
    yield RedisSuppressions(client, key=key)
    client.delete(key)


def test_redis_keeps_one_per_check_and_resource_and_removes(store) -> None:
    store.save(item())
    store.save(item(reason="renewed"))  # the same pair again replaces it
    store.save(item(check="user.inactive"))
    found = store.all()
    assert [(s.check, s.reason) for s in found] == [
        ("user.inactive", 'break-glass "user" \\ reviewed'),
        ("user.without_mfa", "renewed"),
    ]
    assert store.remove("user.inactive", found[0].resource) is True
    assert store.remove("user.inactive", found[0].resource) is False
    assert [s.check for s in store.all()] == ["user.without_mfa"]


def test_expired_suppressions_are_not_applied() -> None:
    memory = MemorySuppressions()
    memory.save(item(expires=date(2026, 11, 29)))
    memory.save(item(check="user.inactive", expires=date(2026, 11, 30)))
    assert [r.check for r in active_rules(memory, NOW)] == ["user.inactive"]


def test_garbage_in_the_hash_is_skipped(store) -> None:
    store.save(item())
    store._client.hset(store._key, "x|y", "{not json")
    assert [s.check for s in store.all()] == ["user.without_mfa"]


def test_redis_down_is_a_store_error() -> None:
    down = RedisSuppressions(redis.Redis(host="127.0.0.1", port=1, socket_timeout=0.2))
    with pytest.raises(StoreError, match="could not read"):
        down.all()
    with pytest.raises(StoreError, match="could not store"):
        down.save(item())


def test_the_toml_export_is_what_the_config_file_accepts() -> None:
    """Round trip: the exported tables parse (tomllib) and pass the config validation."""
    odd = item(resource="arn:aws:iam::123456789012:user/weird[1]*name?")
    text = to_toml([item(), odd])
    parsed = tomllib.loads(text)
    config = audit_config_from_dict(parsed, known_checks=set(all_checks()))
    assert len(config.suppressions) == 2
    rule = config.suppressions[1]
    assert rule.reason == 'break-glass "user" \\ reviewed'
    assert rule.expires == date(2026, 12, 30)
    # The glob matches exactly that ARN, not its neighbours.
    from bot.audit.findings import Finding, Severity

    def finding(arn: str) -> Finding:
        return Finding("user.without_mfa", Severity.HIGH, arn, "AWS::IAM::User", "t", "d")

    assert rule.matches(finding("arn:aws:iam::123456789012:user/weird[1]*name?"))
    assert not rule.matches(finding("arn:aws:iam::123456789012:user/weird1-long-name!"))
    assert "# requested by UREQ, approved by UAPP1 on 2026-11-30 (request abc123)" in text


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "suppressions", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_cli_export_list_and_remove(store, tmp_path) -> None:
    store.save(item())
    store.save(item(check="user.inactive", expires=date(2020, 1, 1)))  # long expired
    # The CLI reads the default key; point it at this test's key through a copy.
    default = RedisSuppressions.from_url(URL)
    saved = default._client.hgetall(default._key)
    default._client.delete(default._key)
    try:
        for entry in store.all():
            default.save(entry)
        out = tmp_path / "s.toml"
        done = _cli("export", "--redis-url", URL, "-o", str(out))
        assert done.returncode == 0, done.stderr
        exported = tomllib.loads(out.read_text())
        assert [s["check"] for s in exported["suppressions"]] == ["user.without_mfa"]
        assert "1 suppression in force" in done.stderr
        everything = _cli("list", "--all", "--redis-url", URL)
        assert "user.inactive" in everything.stdout
        assert "2 suppressions" in everything.stderr
        resource = store.all()[0].resource
        assert _cli("remove", "user.inactive", resource, "--redis-url", URL).returncode == 0
        again = _cli("remove", "user.inactive", resource, "--redis-url", URL)
        assert again.returncode == 2
        assert "no suppression of user.inactive" in again.stderr
        assert "Traceback" not in again.stderr
    finally:
        default._client.delete(default._key)
        if saved:
            default._client.hset(default._key, mapping=saved)


def test_cli_without_redis_says_what_to_set() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "suppressions", "export"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 2
    assert "set REDIS_URL" in done.stderr
