"""`iam-audit policies` and `iam-audit history` (the audit trail in the real Redis, db 15)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis

from bot.cli import main
from bot.store.audit_log import AuditEntry, RedisAuditLog

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


@pytest.fixture
def trail(redis_url: str) -> Iterator[RedisAuditLog]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    client.delete("iam-audit:audit")
    log = RedisAuditLog(client)
    log.append(AuditEntry("request", "r1", "UREQ", T0, {"summary": "Attach x to user bob"}))
    log.append(
        AuditEntry("decision", "r1", "UAPP", T0 + timedelta(minutes=1), {"state": "approved"})
    )
    log.append(
        AuditEntry(
            "aws_call",
            "r1",
            "bot",
            T0 + timedelta(minutes=2),
            {"api": "AttachUserPolicy", "ok": True, "request_id": "aws-req-1"},
        )
    )
    yield log
    client.delete("iam-audit:audit")


def test_policies_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policies"]) == 0
    text = capsys.readouterr().out
    assert "mfa-self-service-enforce  (mfa-self-service-enforce.json)" in text
    assert main(["policies", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    names = [p["name"] for p in data["policies"]]
    assert "deny-without-mfa-admins" in names
    assert set(data["policies"][0]) >= {"name", "description", "purpose", "file"}


def test_policies_with_a_missing_directory_is_one_line(tmp_path, capsys) -> None:
    assert main(["policies", "--dir", str(tmp_path)]) == 2
    assert "no policy catalogue" in capsys.readouterr().err


def test_history_json_exports_everything_oldest_first(trail, redis_url, capsys) -> None:
    assert main(["history", "--redis-url", redis_url]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [e["kind"] for e in data] == ["request", "decision", "aws_call"]
    assert data[2]["data"]["request_id"] == "aws-req-1"


def test_history_csv_with_limit(trail, redis_url, capsys) -> None:
    assert main(["history", "--redis-url", redis_url, "--format", "csv", "--limit", "2"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["kind"] for r in rows] == ["decision", "aws_call"]
    assert rows[1]["api"] == "AttachUserPolicy"
    assert rows[1]["aws_request_id"] == "aws-req-1"
    assert rows[0]["actor"] == "UAPP"


def test_history_reads_redis_url_from_the_environment(
    trail, redis_url, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("REDIS_URL", redis_url)
    assert main(["history", "--limit", "1"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["kind"] == "aws_call"


def test_history_without_redis_or_with_bad_limit_is_a_usage_error(capsys) -> None:
    assert main(["history"]) == 2
    assert "REDIS_URL" in capsys.readouterr().err
    assert main(["history", "--redis-url", "redis://127.0.0.1:6379/15", "--limit", "-1"]) == 2
    assert "--limit" in capsys.readouterr().err
