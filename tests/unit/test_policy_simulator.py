"""AWS's IAM policy simulator adapter, against botocore's Stubber with AWS's documented shapes.

Response shapes follow the IAM API Reference for SimulateCustomPolicy and
SimulatePrincipalPolicy (EvaluationResults with EvalActionName, EvalResourceName,
EvalDecision, MatchedStatements, MissingContextValues; IsTruncated/Marker pagination).
moto has neither API, hence the Stubber.
"""

from __future__ import annotations

import http.server
import json
import threading
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

from bot.aws.policy_simulator import (
    PolicySimulator,
    SimulatorUnavailable,
    context_entries,
    from_session,
)
from bot.iam.second_opinion import CustomSimulation

USER = "arn:aws:iam::123456789012:user/Bob"
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"},
    }
)


def iam_client() -> Any:
    return boto3.client(
        "iam",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def result(action: str, resource: str, decision: str, **extra: Any) -> dict[str, Any]:
    return {
        "EvalActionName": action,
        "EvalResourceName": resource,
        "EvalDecision": decision,
        "MatchedStatements": extra.pop("matched", []),
        "MissingContextValues": extra.pop("missing", []),
        **extra,
    }


def statement(source: str) -> dict[str, Any]:
    return {
        "SourcePolicyId": source,
        "SourcePolicyType": "IAM Policy",
        "StartPosition": {"Line": 1, "Column": 38},
        "EndPosition": {"Line": 1, "Column": 89},
    }


SIMULATION = CustomSimulation(
    identity=(POLICY,),
    boundaries=(),
    resource_policy=None,
    caller_arn=None,
    resource_owner=None,
)


def test_custom_simulation_sends_the_documents_and_reads_the_results() -> None:
    """IAM API Reference, SimulateCustomPolicy, example: one allowed ListBucket on teambucket."""
    client = iam_client()
    simulation = CustomSimulation(
        identity=(POLICY,),
        boundaries=(POLICY,),
        resource_policy='{"Version":"2012-10-17","Statement":[]}',
        caller_arn=USER,
        resource_owner="arn:aws:iam::123456789012:root",
        context={"aws:MultiFactorAuthPresent": ("true",)},
    )
    with Stubber(client) as stub:
        stub.add_response(
            "simulate_custom_policy",
            {
                "EvaluationResults": [
                    result(
                        "s3:ListBucket",
                        "arn:aws:s3:::teambucket",
                        "allowed",
                        matched=[statement("PolicyInputList.1")],
                    )
                ],
                "IsTruncated": False,
            },
            {
                "PolicyInputList": [POLICY],
                "PermissionsBoundaryPolicyInputList": [POLICY],
                "ResourcePolicy": '{"Version":"2012-10-17","Statement":[]}',
                "CallerArn": USER,
                "ResourceOwner": "arn:aws:iam::123456789012:root",
                "ActionNames": ["s3:ListBucket"],
                "ResourceArns": ["arn:aws:s3:::teambucket"],
                "ContextEntries": [
                    {
                        "ContextKeyName": "aws:MultiFactorAuthPresent",
                        "ContextKeyValues": ["true"],
                        "ContextKeyType": "boolean",
                    }
                ],
            },
        )
        answers = PolicySimulator(client).simulate_custom(
            simulation, ["s3:ListBucket"], ["arn:aws:s3:::teambucket"]
        )
        stub.assert_no_pending_responses()
    assert len(answers) == 1
    assert answers[0].decision == "allowed"
    assert answers[0].matched == ("PolicyInputList.1",)
    assert answers[0].resource == "arn:aws:s3:::teambucket"


def test_results_are_read_across_pages() -> None:
    """IsTruncated/Marker: the paginator asks again and every page's results are kept."""
    client = iam_client()
    base = {"PolicyInputList": [POLICY], "ActionNames": ["s3:GetObject", "s3:PutObject"]}
    with Stubber(client) as stub:
        stub.add_response(
            "simulate_custom_policy",
            {
                "EvaluationResults": [result("s3:GetObject", "*", "implicitDeny")],
                "IsTruncated": True,
                "Marker": "page-2",
            },
            {**base, "ResourceArns": ["*"]},
        )
        stub.add_response(
            "simulate_custom_policy",
            {
                "EvaluationResults": [
                    result("s3:PutObject", "*", "explicitDeny", matched=[statement("deny-all")])
                ],
                "IsTruncated": False,
            },
            {**base, "ResourceArns": ["*"], "Marker": "page-2"},
        )
        answers = PolicySimulator(client).simulate_custom(
            SIMULATION, ["s3:GetObject", "s3:PutObject"], ["*"]
        )
    assert [(a.action, a.decision) for a in answers] == [
        ("s3:GetObject", "implicit_deny"),
        ("s3:PutObject", "explicit_deny"),
    ]


def test_principal_simulation_reports_missing_context_values() -> None:
    """IAM API Reference, SimulatePrincipalPolicy: MissingContextValues lists the condition keys
    a matching statement needed that the request did not supply."""
    client = iam_client()
    with Stubber(client) as stub:
        stub.add_response(
            "simulate_principal_policy",
            {
                "EvaluationResults": [
                    result(
                        "iam:DeleteUser",
                        "*",
                        "implicitDeny",
                        missing=["aws:MultiFactorAuthPresent"],
                        OrganizationsDecisionDetail={"AllowedByOrganizations": True},
                    )
                ],
                "IsTruncated": False,
            },
            {
                "PolicySourceArn": USER,
                "ActionNames": ["iam:DeleteUser"],
                "ResourceArns": ["*"],
                "PolicyInputList": [POLICY],
            },
        )
        answers = PolicySimulator(client).simulate_principal(
            USER, ["iam:DeleteUser"], ["*"], extra_policies=[POLICY]
        )
    assert answers[0].decision == "implicit_deny"
    assert answers[0].missing_context == ("aws:MultiFactorAuthPresent",)


@pytest.mark.parametrize(
    ("code", "status", "message", "expected"),
    [
        (
            "AccessDenied",
            403,
            "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: "
            "iam:SimulateCustomPolicy",
            "these credentials may not call iam:SimulateCustomPolicy (AccessDenied)",
        ),
        (
            "Throttling",
            400,
            "Rate exceeded",
            "AWS kept throttling iam:SimulateCustomPolicy after retries (Throttling)",
        ),
        (
            "404",
            404,
            "<html><body><h1>Not Found</h1></body></html>",
            "the endpoint does not offer iam:SimulateCustomPolicy (an emulator?)",
        ),
        (
            "InternalFailure",
            500,
            "<html><head><title>Oops</title></head><body>\n<p>server   error</p></body></html>",
            "AWS's simulator refused the request: InternalFailure: Oops server error",
        ),
    ],
)
def test_errors_become_one_sentence(code: str, status: int, message: str, expected: str) -> None:
    client = iam_client()
    with Stubber(client) as stub:
        stub.add_client_error(
            "simulate_custom_policy",
            service_error_code=code,
            service_message=message,
            http_status_code=status,
        )
        with pytest.raises(SimulatorUnavailable) as raised:
            PolicySimulator(client).simulate_custom(SIMULATION, ["s3:GetObject"], ["*"])
    assert str(raised.value) == expected
    assert "<" not in str(raised.value)


_THROTTLED = (
    b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
    b"<Message>Rate exceeded</Message></Error><RequestId>r1</RequestId></ErrorResponse>"
)
_ALLOWED = (
    b'<SimulateCustomPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
    b"<SimulateCustomPolicyResult><IsTruncated>false</IsTruncated><EvaluationResults><member>"
    b"<EvalActionName>s3:GetObject</EvalActionName><EvalResourceName>*</EvalResourceName>"
    b"<EvalDecision>allowed</EvalDecision><MatchedStatements/><MissingContextValues/>"
    b"</member></EvaluationResults></SimulateCustomPolicyResult>"
    b"<ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata>"
    b"</SimulateCustomPolicyResponse>"
)


def test_throttling_is_retried_before_it_reaches_us(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client from bot.aws.session retries adaptively: two Throttling answers, then the
    result, and the caller sees only the result."""
    monkeypatch.setattr("time.sleep", lambda _seconds: None)
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    simulator = from_session(session)
    bodies = [(400, _THROTTLED), (400, _THROTTLED), (200, _ALLOWED)]
    sent: list[str] = []

    def answer(request: Any, **_: Any) -> AWSResponse:
        sent.append(request.url)
        status, body = bodies.pop(0)
        raw = _Raw(body)
        return AWSResponse(request.url, status, {}, raw)

    simulator._client.meta.events.register("before-send.iam.SimulateCustomPolicy", answer)
    answers = simulator.simulate_custom(SIMULATION, ["s3:GetObject"], ["*"])
    assert [a.decision for a in answers] == ["allowed"]
    assert len(sent) == 3
    assert simulator._client.meta.config.retries["mode"] == "adaptive"
    assert simulator._client.meta.config.connect_timeout == 5


class _Raw:
    """The raw stream AWSResponse reads its body from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


def test_context_entries_are_typed_from_the_catalogue() -> None:
    """IAM API Reference, ContextEntry: ContextKeyType is string, stringList, numeric, boolean,
    date, ip ... ; the global condition keys' types come from AWS's documentation."""
    entries = context_entries(
        {
            "aws:MultiFactorAuthPresent": ("true",),
            "aws:SourceIp": ("203.0.113.5",),
            "aws:TagKeys": ("team",),
            "aws:CurrentTime": ("2026-12-04T12:00:00Z",),
            "example:Unknown": ("a", "b"),
        }
    )
    types = {e["ContextKeyName"]: e["ContextKeyType"] for e in entries}
    assert types == {
        "aws:MultiFactorAuthPresent": "boolean",
        "aws:SourceIp": "ip",
        "aws:TagKeys": "stringList",
        "aws:CurrentTime": "date",
        "example:Unknown": "stringList",
    }


def test_an_in_process_emulator_without_the_api_is_reported() -> None:
    class Paginator:
        def paginate(self, **_: Any) -> Any:
            raise NotImplementedError("The simulate_custom_policy action has not been implemented")

    class Client:
        def get_paginator(self, _name: str) -> Paginator:
            return Paginator()

    with pytest.raises(SimulatorUnavailable, match="does not offer iam:SimulateCustomPolicy"):
        PolicySimulator(Client()).simulate_custom(SIMULATION, ["s3:GetObject"], ["*"])


def test_an_http_emulator_without_the_api_is_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    """A local endpoint (AWS_ENDPOINT_URL) that answers with a web page -- Python's http.server
    refuses POST with an HTML 501 -- is reported in one line, without the page."""
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.server_port}")
        session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
        )
        with pytest.raises(SimulatorUnavailable) as raised:
            from_session(session).simulate_custom(SIMULATION, ["s3:GetObject"], ["*"])
    finally:
        server.shutdown()
        server.server_close()
    message = str(raised.value)
    assert "iam:SimulateCustomPolicy" in message
    assert "<" not in message
    assert "\n" not in message


def test_an_unexpected_failure_leaves_only_the_local_answer(caplog) -> None:
    """Whatever goes wrong on AWS's side, the local answer stands and says why it is alone."""
    from bot.aws.policy_simulator import second_opinion
    from bot.iam.evaluator import Evaluator, PolicySet, Request
    from bot.iam.policy import parse_policy

    class Broken:
        def simulate_custom(self, *_: Any, **__: Any) -> Any:
            raise KeyError("EvaluationResults")

    policies = PolicySet(identity=[parse_policy(json.loads(POLICY))])
    request = Request(USER, "s3:ListBucket", "arn:aws:s3:::teambucket")
    decision = Evaluator(policies).evaluate(request)
    with caplog.at_level("WARNING"):
        [comparison] = second_opinion([(request, policies, decision)], Broken)
    assert comparison.aws is None
    assert comparison.note == "AWS's simulator could not be asked (KeyError)"
    assert comparison.local == "allowed"
    assert "failed unexpectedly: KeyError" in caplog.text
    assert "Traceback" not in caplog.text
