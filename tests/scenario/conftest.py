"""Fixtures of the scenario tests: the mock Slack Web API and a bot wired to it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache

import pytest

from bot.model.snapshot import AccountSnapshot
from tests.scenario.harness import Bot
from tests.scenario.mock_slack import MockSlack


@lru_cache(maxsize=1)
def demo_snapshot() -> AccountSnapshot:
    from bot.aws.demo import build_demo_snapshot

    return build_demo_snapshot(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))


@pytest.fixture
def mock_slack() -> Iterator[MockSlack]:
    mock = MockSlack()
    yield mock
    mock.close()


@pytest.fixture
def make_bot(mock_slack: MockSlack) -> Iterator:
    bots: list[Bot] = []

    def make(snapshot: AccountSnapshot | None = None, **kwargs) -> Bot:
        bot = Bot(mock_slack, snapshot or demo_snapshot(), **kwargs)
        bots.append(bot)
        return bot

    yield make
    for bot in bots:
        bot.close()


@pytest.fixture
def bot(make_bot) -> Bot:
    return make_bot()
