"""The collector behind a fault-injecting endpoint: what an emulator or a broken proxy answers.

Faults are injected with a botocore ``before-send`` handler registered first, so the real
response parser reads the injected bytes (an HTML 500 page, garbage, a cut-off body) exactly as
it would read them from the network, and a connection reset goes through botocore's retries.
Everything else is answered by moto.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError
from moto import mock_aws

import bot.aws.session as aws_session
from bot.aws.collect import collect_snapshot
from bot.aws.session import make_session
from bot.model.errors import CollectionError

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HTML_500 = (
    b"<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"
    b"<h1>Internal Server Error</h1>\n<p>The server encountered an internal error and was"
    b" unable to complete your request.</p>\n"
)
CUT_OFF = (
    b'<ListSAMLProvidersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
    b"<ListSAMLProvidersResult><SAMLProviderList><member><Arn>arn:aws:iam::1234"
)


class Raw:
    """The raw body botocore streams from (what urllib3 would hand it)."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


class Faults:
    """Answers ``operation`` with a fault; counts how often it was sent (retries included)."""

    def __init__(self, session: boto3.Session) -> None:
        self.session = session
        self.sent: Counter[str] = Counter()

    def answer(self, operation: str, status: int, body: bytes, content_type: str) -> None:
        def send(request: Any, **_: Any) -> AWSResponse:
            self.sent[operation] += 1
            return AWSResponse(request.url, status, {"Content-Type": content_type}, Raw(body))

        self.session.events.register_first(f"before-send.iam.{operation}", send)

    def reset(self, operation: str = "*") -> None:
        def send(request: Any, **_: Any) -> None:
            self.sent[operation] += 1
            raise ConnectionClosedError(endpoint_url=request.url)

        event = "before-send.iam" + ("" if operation == "*" else f".{operation}")
        self.session.events.register_first(event, send)


@pytest.fixture(autouse=True)
def few_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two attempts per call instead of ten: the same code path, without minutes of backoff."""
    monkeypatch.setattr(aws_session, "RETRY_CONFIG", {"mode": "standard", "max_attempts": 2})


@pytest.fixture
def session() -> Iterator[boto3.Session]:
    with mock_aws():
        session = make_session(region="us-east-1")
        session.client("iam").create_user(UserName="ana")
        yield session


def collect(session: boto3.Session):
    return collect_snapshot(session, now=NOW, sleep=lambda _s: None)


def issue_for(snapshot, api: str):
    found = [i for i in snapshot.collection_issues if i.api == api]
    assert found, snapshot.collection_issues
    return found[0]


def test_an_html_500_page_is_a_one_line_issue_for_that_api_only(session: boto3.Session) -> None:
    """moto server answers an API it lacks with Flask's HTML 500 page (botocore cannot parse
    it): retried, then one issue for that API; the rest of the account is collected."""
    faults = Faults(session)
    faults.answer("ListSAMLProviders", 500, HTML_500, "text/html")
    snapshot = collect(session)
    issue = issue_for(snapshot, "ListSAMLProviders")
    assert issue.code == "Malformed"
    assert "500 Internal Server Error" in issue.message
    assert "\n" not in issue.message
    assert "<h1>" not in issue.message
    assert faults.sent["ListSAMLProviders"] == 3  # the first try and two retries
    assert snapshot.saml_providers is None  # its checks are skipped, not passed
    assert [u.name for u in snapshot.users] == ["ana"]
    assert snapshot.oidc_providers == ()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"\x00\x01garbage{{{ not xml", "an answer that is not AWS's"),
        (CUT_OFF, "a cut-off answer"),
        (b"<html><body>a captive portal</body></html>", "HTML page"),
    ],
    ids=["garbage", "cut-off", "html-200"],
)
def test_a_200_with_an_unreadable_body_is_an_issue(
    session: boto3.Session, body: bytes, words: str
) -> None:
    Faults(session).answer("ListSAMLProviders", 200, body, "text/xml")
    snapshot = collect(session)
    issue = issue_for(snapshot, "ListSAMLProviders")
    assert issue.code == "Malformed"
    assert words in issue.message or "without the fields AWS sends" in issue.message


def test_a_200_html_page_where_xml_was_expected_is_an_issue(session: boto3.Session) -> None:
    """An HTML body that parses as XML but lacks the result element (botocore: KeyError)."""
    Faults(session).answer(
        "GetAccountSummary", 200, b"<html><body>hello</body></html>", "text/html"
    )
    snapshot = collect(session)
    assert issue_for(snapshot, "GetAccountSummary").code == "Malformed"
    assert snapshot.account_summary is None


def test_a_connection_reset_on_one_optional_api_is_an_issue(session: boto3.Session) -> None:
    faults = Faults(session)
    faults.reset("ListSAMLProviders")
    snapshot = collect(session)
    issue = issue_for(snapshot, "ListSAMLProviders")
    assert issue.code == "ConnectionClosedError"
    assert "connection failed even after retries" in issue.message
    assert faults.sent["ListSAMLProviders"] >= 2  # botocore retried it
    assert [u.name for u in snapshot.users] == ["ana"]


def test_an_endpoint_that_cannot_be_reached_at_all_ends_the_run(session: boto3.Session) -> None:
    def unreachable(request: Any, **_: Any) -> None:
        raise EndpointConnectionError(endpoint_url=request.url)

    session.events.register_first("before-send.iam", unreachable)
    with pytest.raises(CollectionError, match="could not reach AWS"):
        collect(session)
