"""Build boto3 sessions and clients the way every AWS adapter of this tool needs them.

The standard credential chain, profiles, regions and AWS_ENDPOINT_URL behave as boto3 users
expect because we only add what we need on top: adaptive retries and a user-agent suffix.
"""

from __future__ import annotations

import os
from importlib import metadata
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError

from bot.aws.errors import translate_botocore_error
from bot.model.errors import CollectionError

# IAM is global; clients for it still need a region to sign with, and us-east-1 is IAM's home.
DEFAULT_REGION = "us-east-1"
RETRY_CONFIG = {"mode": "adaptive", "max_attempts": 10}


def _user_agent_suffix() -> str:
    try:
        version = metadata.version("iam-audit")
    except metadata.PackageNotFoundError:
        version = "dev"
    return f"iam-audit/{version}"


USER_AGENT_SUFFIX = _user_agent_suffix()


def make_session(*, profile: str | None = None, region: str | None = None) -> boto3.Session:
    """A boto3 session on the standard credential chain; fails early with a clear sentence.

    Raises CollectionError when the profile does not exist or no credentials can be found.
    """
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
        credentials = session.get_credentials()
    except BotoCoreError as exc:
        raise translate_botocore_error(exc) from exc
    if credentials is None:
        where = f" for profile {profile!r}" if profile else ""
        raise CollectionError(
            f"no AWS credentials found{where}: configure a profile (--profile / AWS_PROFILE),"
            " environment variables, SSO or an instance role"
        )
    return session


def client_config() -> Config:
    """Adaptive retries, our user agent, and connect/read timeouts (bot.aws.deadline)."""
    from bot.aws.deadline import timeouts  # noqa: PLC0415 - avoids an import cycle

    connect, read = timeouts()
    return Config(
        retries=dict(RETRY_CONFIG),
        user_agent_extra=USER_AGENT_SUFFIX,
        connect_timeout=connect,
        read_timeout=read,
    )


def make_client(session: boto3.Session, service: str, *, region: str | None = None) -> Any:
    """A client with adaptive retries; the region falls back to the session's, then us-east-1."""
    try:
        return session.client(
            service,
            region_name=region or session.region_name or DEFAULT_REGION,
            config=client_config(),
        )
    except BotoCoreError as exc:
        raise translate_botocore_error(exc) from exc
    except ValueError as exc:  # botocore: "Invalid endpoint: ...", urllib: "Invalid IPv6 URL"
        raise CollectionError(
            invalid_endpoint_message(service, exc), code="InvalidEndpoint"
        ) from exc


def invalid_endpoint_message(service: str, exc: Exception) -> str:
    """Name the setting that holds the bad endpoint URL (never the credentials)."""
    variable = f"AWS_ENDPOINT_URL_{service.upper().replace('-', '_')}"
    name = variable if os.environ.get(variable) else "AWS_ENDPOINT_URL"
    value = os.environ.get(name)
    shown = f" {value!r}" if value else " (from the AWS config file)"
    return f"the AWS endpoint URL{shown} in {name} is not a valid URL: {exc}"
