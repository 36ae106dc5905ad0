"""Sessions and clients behave as boto3 users expect, with our retries and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import (
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PaginationError,
    SSOTokenLoadError,
)

from bot.aws.errors import translate_botocore_error
from bot.aws.session import DEFAULT_REGION, USER_AGENT_SUFFIX, make_client, make_session
from bot.model.errors import CollectionError


@pytest.fixture
def aws_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config and credentials file with an 'audit' profile, like ~/.aws holds."""
    config = tmp_path / "config"
    config.write_text("[profile audit]\nregion = eu-west-2\n", encoding="utf-8")
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[audit]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    return tmp_path


def test_environment_credentials_are_used_by_default() -> None:
    session = make_session()
    assert session.get_credentials().access_key == "testing"
    assert session.region_name == "us-east-1"  # AWS_DEFAULT_REGION from the test environment


def test_profile_supplies_credentials_and_region(aws_files: Path, monkeypatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    session = make_session(profile="audit")
    assert session.get_credentials().access_key == "AKIDPROFILE"
    assert session.region_name == "eu-west-2"


def test_explicit_region_wins_over_the_profile(aws_files: Path) -> None:
    assert make_session(profile="audit", region="ap-south-1").region_name == "ap-south-1"


def test_aws_profile_variable_is_honoured(aws_files: Path, monkeypatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_PROFILE", "audit")
    assert make_session().get_credentials().access_key == "AKIDPROFILE"


def test_unknown_profile_is_a_clear_error(aws_files: Path) -> None:
    with pytest.raises(CollectionError, match="profile 'nope' was not found"):
        make_session(profile="nope")


def test_no_credentials_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    with pytest.raises(CollectionError, match="no AWS credentials found"):
        make_session()


def test_clients_retry_adaptively_and_identify_the_tool() -> None:
    client = make_client(make_session(), "iam")
    assert client.meta.config.retries["mode"] == "adaptive"
    # botocore counts the first attempt too: max_attempts=10 retries means 11 attempts in all.
    assert client.meta.config.retries["total_max_attempts"] == 11
    assert USER_AGENT_SUFFIX.startswith("iam-audit/")
    assert client.meta.config.user_agent_extra == USER_AGENT_SUFFIX


def test_region_falls_back_to_us_east_1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    session = make_session()
    assert session.region_name is None
    assert make_client(session, "sts").meta.region_name == DEFAULT_REGION
    assert make_client(session, "sts", region="eu-central-1").meta.region_name == "eu-central-1"


def test_endpoint_url_from_the_environment_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://localhost:4566")
    assert make_client(make_session(), "iam").meta.endpoint_url == "http://localhost:4566"
    monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", "http://localhost:5000")
    assert make_client(make_session(), "iam").meta.endpoint_url == "http://localhost:5000"


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (NoCredentialsError(), "no AWS credentials found"),
        (NoRegionError(), "no AWS region configured"),
        (SSOTokenLoadError(error_msg="token expired"), "aws sso login"),
        (EndpointConnectionError(endpoint_url="https://iam.example"), "could not reach AWS"),
        (PaginationError(message="bad token"), "GetAccountSummary failed"),
    ],
)
def test_botocore_errors_become_one_sentence(error: Exception, message: str) -> None:
    translated = translate_botocore_error(error, api="GetAccountSummary")
    assert isinstance(translated, CollectionError)
    assert message in str(translated)
    assert translated.api == "GetAccountSummary"
