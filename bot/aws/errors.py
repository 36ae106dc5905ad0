"""Translate botocore errors into our hierarchy at the AWS boundary."""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    CredentialRetrievalError,
    HTTPClientError,
    InvalidConfigError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    SSOError,
    TokenRetrievalError,
)
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from bot.errors import CollectionError

ACCESS_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnauthorizedAccess",
        "AuthorizationError",
    }
)
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
    }
)
# The credentials themselves are bad: no later call can succeed, so the collection stops.
CREDENTIAL_CODES = frozenset(
    {
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "RequestExpired",
        "InvalidAccessKeyId",
    }
)


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def error_message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", "")).strip()


def is_access_denied(exc: ClientError) -> bool:
    return error_code(exc) in ACCESS_DENIED_CODES


def is_throttling(exc: ClientError) -> bool:
    return error_code(exc) in THROTTLING_CODES


def is_credentials_problem(exc: ClientError) -> bool:
    return error_code(exc) in CREDENTIAL_CODES


def describe_client_error(exc: ClientError, *, api: str, action: str) -> str:
    """One sentence a user can act on: what failed and, when denied, which permission to grant."""
    code = error_code(exc)
    if code in ACCESS_DENIED_CODES:
        return f"{api} was denied: grant {action} to the identity running the audit"
    if code in THROTTLING_CODES:
        return f"{api} was throttled by AWS even after retries ({code}); run the audit again later"
    if code in CREDENTIAL_CODES:
        return f"AWS rejected the credentials ({code}) when calling {api}; refresh them and retry"
    detail = error_message(exc)
    return f"{api} failed with {code or 'an unknown error'}" + (f": {detail}" if detail else "")


def translate_client_error(exc: ClientError, *, api: str, action: str) -> CollectionError:
    return CollectionError(
        describe_client_error(exc, api=api, action=action),
        api=api,
        action=action,
        code=error_code(exc),
    )


def translate_botocore_error(
    exc: BotoCoreError, *, api: str = "", action: str = ""
) -> CollectionError:
    """Errors raised before AWS answers: missing credentials or profile, no region, no network."""
    if isinstance(exc, NoCredentialsError):
        message = (
            "no AWS credentials found: configure a profile (--profile / AWS_PROFILE), environment"
            " variables, SSO or an instance role"
        )
    elif isinstance(exc, PartialCredentialsError):
        message = f"AWS credentials are incomplete: {exc}"
    elif isinstance(exc, ProfileNotFound):
        profile = exc.kwargs.get("profile", "")
        message = f"AWS profile {profile!r} was not found in the AWS config or credentials file"
    elif isinstance(exc, NoRegionError):
        message = "no AWS region configured: pass --region or set AWS_REGION"
    elif isinstance(exc, CredentialRetrievalError | SSOError | TokenRetrievalError):
        message = f"AWS credentials could not be loaded (for SSO, run `aws sso login`): {exc}"
    elif isinstance(exc, InvalidConfigError):
        message = f"the AWS configuration is invalid: {exc}"
    elif isinstance(exc, BotocoreConnectionError | HTTPClientError):
        where = f" calling {api}" if api else ""
        message = f"could not reach AWS{where}: {exc}"
    else:
        where = f"{api} failed" if api else "the AWS call failed"
        message = f"{where}: {exc}"
    return CollectionError(message, api=api, action=action, code=type(exc).__name__)
