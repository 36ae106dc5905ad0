"""Translate botocore errors into our hierarchy at the AWS boundary."""

from __future__ import annotations

import re

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
from botocore.parsers import ResponseParserError

from bot.model.errors import CollectionError

# An answer that is not AWS's (an emulator's HTML error page, a proxy's garbage, a cut-off body):
# botocore raises these (ResponseParserError is not a BotoCoreError) or a KeyError deep in parsing.
MALFORMED_ANSWER_ERRORS: tuple[type[Exception], ...] = (
    ResponseParserError,
    KeyError,
    TypeError,
    ValueError,
    AttributeError,
    IndexError,
)
# Errors raised before any answer that only say "this one call could not be completed"; when
# nothing has been read yet they mean the endpoint is unreachable and the collection stops.
CONNECTION_ERRORS: tuple[type[Exception], ...] = (BotocoreConnectionError, HTTPClientError)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
MAX_REASON = 160

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
    detail = short_reason(error_message(exc))
    status = (exc.response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    if code.isdigit() or not code:  # botocore names an unparsable error answer by its status
        code = f"HTTP {status or code}" if (status or code) else "an unknown error"
    return f"{api} failed with {code}" + (f": {detail}" if detail else "")


def short_reason(text: str) -> str:
    """One line from an error text: an HTML page becomes its title, whitespace is collapsed and
    the result is cut to MAX_REASON characters (raw pages never reach a report or Slack)."""
    text = str(text or "")
    if "<html" in text.lower() or "<!doctype" in text.lower():
        title = _TITLE.search(text)
        text = f"an HTML page ({title.group(1)})" if title else "an HTML page"
    line = " ".join(text.split())
    return line if len(line) <= MAX_REASON else line[: MAX_REASON - 1] + "…"


def describe_malformed_answer(exc: BaseException, *, api: str) -> str:
    """A per-API issue for an answer that could not be parsed, in one line."""
    if isinstance(exc, ResponseParserError):
        text = str(exc)
        head, _, body = text.partition(":\n")
        if "<html" in body.lower() or "<!doctype" in body.lower():
            what = short_reason(body.replace("\\n", " "))
        elif "unclosed token" in head or "no element found" in head:
            what = "a cut-off answer"
        else:
            what = "an answer that is not AWS's"
        return f"{api} returned {what} that could not be parsed, even after retries"
    return (
        f"{api} returned an answer without the fields AWS sends"
        f" ({type(exc).__name__}: {short_reason(str(exc))})"
    )


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
        message = f"could not reach AWS{where}: {short_reason(str(exc))}"
    else:
        where = f"{api} failed" if api else "the AWS call failed"
        message = f"{where}: {short_reason(str(exc))}"
    return CollectionError(message, api=api, action=action, code=type(exc).__name__)
