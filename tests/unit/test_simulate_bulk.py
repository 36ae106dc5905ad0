"""`simulate --requests`: lines that repeat policies share their parsing and evaluator, and the
answers are still each line's own."""

from __future__ import annotations

import json

from bot.clicmd.simulate import answer_lines

USER = "arn:aws:iam::123456789012:user/alice"
BUCKET = "arn:aws:s3:::reports/q3.csv"
IDENTITY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}
# S3 stores a bucket policy whose statements share a Sid; IAM refuses that in an identity policy.
REPEATED_SID = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "A", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "*"},
        {
            "Sid": "A",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:DeleteObject",
            "Resource": "*",
        },
    ],
}


def _line(action: str, **policies: object) -> str:
    return json.dumps({"principal": USER, "action": action, "resource": BUCKET, **policies})


def test_repeated_policies_still_answer_each_line() -> None:
    text = "\n".join(
        [
            _line("s3:GetObject", identity_policies=[IDENTITY]),
            _line("s3:PutObject", identity_policies=[IDENTITY]),
            _line("s3:GetObject", identity_policies=[IDENTITY]),
        ]
    )
    answers, failed = answer_lines(text)
    assert failed == 0
    assert [a["decision"] for a in answers] == ["allowed", "implicit_deny", "allowed"]


def test_the_same_document_is_judged_by_where_it_stands() -> None:
    """A cached parse must not carry a resource policy's leniency over to an identity policy."""
    text = "\n".join(
        [
            _line("s3:GetObject", identity_policies=[IDENTITY], resource_policy=REPEATED_SID),
            _line("s3:GetObject", identity_policies=[REPEATED_SID]),
            _line("s3:PutObject", identity_policies=[IDENTITY], resource_policy=REPEATED_SID),
        ]
    )
    answers, failed = answer_lines(text)
    assert failed == 1
    assert answers[0]["decision"] == "allowed"
    assert "line 2" in answers[1]["error"]
    assert answers[2]["decision"] == "explicit_deny"
