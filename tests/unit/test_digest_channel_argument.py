"""The Slack command's channel argument (`/iam-audit digest now <#C..|name>`): the same id rule
as the digest's configured channel and IAM_AUDIT_CHANNELS (bot.digest.schedule.is_channel_id)."""

from __future__ import annotations

import pytest

from bot.model.errors import InputError
from commands.digest import parse_channel


@pytest.mark.parametrize(
    ("text", "channel"),
    [
        ("<#C0123ABCD|security>", "C0123ABCD"),
        ("<#G0123ABCD>", "G0123ABCD"),
        ("C0123ABCD", "C0123ABCD"),
        ("D0123ABCD", "D0123ABCD"),
    ],
)
def test_channel_links_and_ids_are_accepted(text: str, channel: str) -> None:
    assert parse_channel(text) == channel


@pytest.mark.parametrize(
    "text",
    [
        "#security",  # a bare name: Slack sends a picked channel as a link
        "<!everyone>",
        "C" + "A" * 200,  # longer than any conversation id
        "<#C0123ABCD|x> and more",
        "c0123abcd",
        "U0123ABCD",  # a user, not a conversation
    ],
)
def test_anything_else_is_refused_with_the_value_escaped_and_cut(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_channel(text)
    message = str(caught.value)
    assert "is not a channel I can use" in message
    assert len(message) < 200
    assert repr(text[:40]) in message  # quoted and escaped (repr), cut at 40 characters
