"""`/iam-audit lint`: the reply says which policy type the pasted document was linted as."""

from __future__ import annotations

import json

import pytest

from bot.model.errors import InputError
from commands.lint import MAX_POLICY_CHARS, lint_text

# IAM User Guide, the EC2 service role trust policy.
EC2_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def _texts(reply: dict) -> list[str]:
    return [
        element["text"]
        for block in reply["blocks"]
        for element in block.get("elements", [])
        if isinstance(element, dict) and "text" in element
    ]


def test_a_pasted_trust_policy_is_linted_as_one_and_the_reply_says_so() -> None:
    reply = lint_text(json.dumps(EC2_TRUST))
    assert reply["text"] == "Policy lint: no findings"
    (note,) = [t for t in _texts(reply) if t.startswith("Linted as")]
    assert note.startswith("Linted as a trust policy: every statement names a Principal")
    assert reply["blocks"][1]["type"] == "context"


def test_an_identity_policy_with_a_finding() -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b/*"}
        ],
    }
    reply = lint_text(json.dumps(policy))
    assert reply["text"].startswith("Policy lint: 1 finding, worst medium")
    assert any(t.startswith("Linted as an identity policy") for t in _texts(reply))


def test_too_long_is_refused() -> None:
    with pytest.raises(InputError, match="limit"):
        lint_text("x" * (MAX_POLICY_CHARS + 1))
