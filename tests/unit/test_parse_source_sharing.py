"""A document parsed once under one name is not parsed again under another (an inline policy
copied onto thousands of users): the copy shares its statements and carries its own name;
a malformed document is parsed under each name, since the error names the policy."""

from __future__ import annotations

from bot.iam import resolved_policy
from bot.iam.resolved_policy import PolicySource, document_key, parse_source

DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::${aws:username}/*"}
    ],
}


def _inline(owner: str, document: dict) -> PolicySource:
    arn = f"arn:aws:iam::123456789012:user/{owner}"
    return PolicySource(f"{arn} inline read", "inline", "user", document, document_key(document))


def test_a_copy_under_another_name_shares_the_parse(monkeypatch) -> None:
    cache: dict = {}
    first = parse_source(_inline("alice", DOCUMENT), cache)
    calls: list[str] = []
    monkeypatch.setattr(resolved_policy, "parse_policy", lambda *a, **k: calls.append("parsed"))
    copy_document = {"Statement": DOCUMENT["Statement"], "Version": "2012-10-17"}
    second = parse_source(_inline("bob", copy_document), cache)
    assert calls == []  # not parsed again
    assert second[0].name.endswith("user/bob inline read")
    assert first[0].name.endswith("user/alice inline read")
    assert second[0].statements is first[0].statements
    assert second[0].document is copy_document  # the copy's own document
    assert second[0].version == "2012-10-17"
    assert second[1] is None
    assert second[2] == first[2] == frozenset({"aws:username"})
    # Asked again under the same name: the same answer.
    assert parse_source(_inline("bob", copy_document), cache) is second


def test_a_malformed_document_names_each_policy() -> None:
    broken = {"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "s3:*"}]}
    cache: dict = {}
    first = parse_source(_inline("alice", broken), cache)
    second = parse_source(_inline("bob", broken), cache)
    assert first[1] is not None
    assert second[1] is not None
    assert "alice" in first[1]
    assert "bob" in second[1]
    assert first[0].statements == second[0].statements == ()


def test_without_a_cache_every_source_is_parsed() -> None:
    first = parse_source(_inline("alice", DOCUMENT))
    second = parse_source(_inline("bob", DOCUMENT))
    assert first[0].statements == second[0].statements
    assert first[0].name != second[0].name
