"""Error pages never reach a report or Slack raw: one line with the status and a short reason."""

from __future__ import annotations

from botocore.exceptions import ClientError, ConnectionClosedError
from botocore.parsers import ResponseParserError

from bot.aws.errors import (
    describe_client_error,
    describe_malformed_answer,
    short_reason,
    translate_botocore_error,
)

PAGE = (
    "<!DOCTYPE html>\n<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n"
    "<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n"
)


def test_an_error_answer_whose_body_is_an_html_page_is_one_line_with_its_status() -> None:
    """botocore names an error answer it cannot parse by its HTTP status and keeps the body."""
    error = ClientError(
        {
            "Error": {"Code": "502", "Message": PAGE},
            "ResponseMetadata": {"HTTPStatusCode": 502},
        },
        "ValidatePolicy",
    )
    text = describe_client_error(
        error, api="ValidatePolicy", action="access-analyzer:ValidatePolicy"
    )
    assert text == "ValidatePolicy failed with HTTP 502: an HTML page (502 Bad Gateway)"


def test_short_reason_collapses_and_cuts() -> None:
    assert short_reason("a\n  b\tc") == "a b c"
    assert len(short_reason("x" * 1000)) == 160
    assert short_reason("<html><body>no title</body></html>") == "an HTML page"


def test_unparsable_and_reset_answers_are_one_line() -> None:
    parser_error = ResponseParserError(
        "Unable to parse response (syntax error: line 1, column 0), invalid XML received."
        " Further retries may succeed:\nb'<!doctype html>\\n<title>500 Internal Server Error"
        "</title>\\n<h1>Internal Server Error</h1>'"
    )
    text = describe_malformed_answer(parser_error, api="ListOrganizationsFeatures")
    assert "\n" not in text
    assert "500 Internal Server Error" in text
    reset = translate_botocore_error(
        ConnectionClosedError(endpoint_url="http://127.0.0.1:5000/"), api="ListSAMLProviders"
    )
    assert "\n" not in str(reset)
