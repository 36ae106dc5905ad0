"""`lint --aws-validate`: ValidatePolicy through Stubber, merging, and the local-only fallbacks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.retries.standard import ExponentialBackoff
from botocore.stub import Stubber

import bot.aws.validate_policy as validate_module
from bot import cli
from bot.audit.findings import Severity
from bot.aws.validate_policy import (
    merge_lint_findings,
    statement_index,
    to_lint_finding,
    validate_documents,
    validate_policy,
)
from bot.iam.lint_model import LintFinding
from bot.model.errors import CollectionError

SESSION = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "arn:aws:s3:::b/*"},
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
    ],
}
POLICY_TEXT = json.dumps(POLICY)


def client() -> tuple[Any, Stubber]:
    made = SESSION.client(
        "accessanalyzer",
        region_name="eu-west-1",
        config=Config(retries={"mode": "standard", "total_max_attempts": 2}),
    )
    stubber = Stubber(made)
    stubber.activate()
    return made, stubber


def aws_finding(
    issue: str, finding_type: str, statement: int | None, details: str = "because"
) -> dict[str, Any]:
    path: list[dict[str, Any]] = []
    if statement is not None:
        path = [{"value": "Statement"}, {"index": statement}, {"value": "Action"}]
    return {
        "findingDetails": details,
        "findingType": finding_type,
        "issueCode": issue,
        "learnMoreLink": f"https://docs.aws.amazon.com/IAM/latest/UserGuide/x.html#{issue}",
        "locations": [
            {
                "path": path,
                "span": {
                    "start": {"line": 1, "column": 1, "offset": 1},
                    "end": {"line": 1, "column": 9, "offset": 9},
                },
            }
        ],
    }


# --- ValidatePolicy ------------------------------------------------------------------------------


def test_every_finding_type_over_pages() -> None:
    made, stubber = client()
    params = {"policyDocument": POLICY_TEXT, "policyType": "IDENTITY_POLICY"}
    stubber.add_response(
        "validate_policy",
        {
            "findings": [
                aws_finding("INVALID_ACTION", "ERROR", 0),
                aws_finding("PASS_ROLE_WITH_STAR_IN_RESOURCE", "SECURITY_WARNING", 1),
            ],
            "nextToken": "n1",
        },
        params,
    )
    stubber.add_response(
        "validate_policy",
        {
            "findings": [
                aws_finding("MISSING_VERSION", "WARNING", None),
                aws_finding("REDUNDANT_ACTION", "SUGGESTION", 1),
            ]
        },
        {**params, "nextToken": "n1"},
    )
    found = validate_policy(made, POLICY_TEXT, "identity")
    stubber.assert_no_pending_responses()
    assert [(f.code, f.severity, f.statement) for f in found] == [
        ("AWS_INVALID_ACTION", Severity.HIGH, 0),
        ("AWS_PASS_ROLE_WITH_STAR_IN_RESOURCE", Severity.HIGH, 1),
        ("AWS_MISSING_VERSION", Severity.MEDIUM, None),
        ("AWS_REDUNDANT_ACTION", Severity.LOW, 1),
    ]
    assert found[0].detail["source"] == "access-analyzer"
    assert found[0].detail["paths"] == ["Statement[0].Action"]
    assert found[0].detail["learn_more"].endswith("#INVALID_ACTION")


def test_trust_policies_are_validated_as_assume_role_documents() -> None:
    made, stubber = client()
    stubber.add_response(
        "validate_policy",
        {"findings": []},
        {
            "policyDocument": POLICY_TEXT,
            "policyType": "RESOURCE_POLICY",
            "validatePolicyResourceType": "AWS::IAM::AssumeRolePolicyDocument",
        },
    )
    assert validate_policy(made, POLICY_TEXT, "trust") == []
    stubber.assert_no_pending_responses()


def test_statement_index_reads_the_path() -> None:
    assert statement_index([{"path": [{"value": "Statement"}, {"index": 3}]}]) == 3
    # A lone statement object (not a list) is statement 0.
    assert statement_index([{"path": [{"value": "Statement"}, {"value": "Action"}]}]) == 0
    assert statement_index([{"path": [{"value": "Version"}]}]) is None
    assert statement_index([]) is None


# --- merging -------------------------------------------------------------------------------------


def local(code: str, statement: int | None, severity: Severity = Severity.MEDIUM) -> LintFinding:
    return LintFinding(code, severity, statement, f"local {code}")


def test_same_issue_on_the_same_statement_is_reported_once() -> None:
    mine = [local("UNKNOWN_ACTION", 0), local("WILDCARD_SENSITIVE", 1)]
    theirs = [
        to_lint_finding(aws_finding("INVALID_ACTION", "ERROR", 0, "no such action")),
        to_lint_finding(aws_finding("PASS_ROLE_WITH_STAR_IN_RESOURCE", "SECURITY_WARNING", 1)),
        to_lint_finding(aws_finding("MISSING_VERSION", "WARNING", None)),
    ]
    merged = merge_lint_findings(mine, theirs)
    assert [(f.code, f.statement) for f in merged] == [
        ("AWS_MISSING_VERSION", None),
        ("UNKNOWN_ACTION", 0),
        ("WILDCARD_SENSITIVE", 1),
    ]
    assert merged[1].detail["aws"] == [
        {
            "issue_code": "INVALID_ACTION",
            "finding_type": "ERROR",
            "message": "no such action",
            "learn_more": "https://docs.aws.amazon.com/IAM/latest/UserGuide/x.html#INVALID_ACTION",
        }
    ]


def test_same_issue_on_another_statement_is_kept() -> None:
    merged = merge_lint_findings(
        [local("UNKNOWN_ACTION", 0)], [to_lint_finding(aws_finding("INVALID_ACTION", "ERROR", 1))]
    )
    assert [(f.code, f.statement) for f in merged] == [
        ("UNKNOWN_ACTION", 0),
        ("AWS_INVALID_ACTION", 1),
    ]


def test_a_document_level_parse_error_matches_a_pinned_one() -> None:
    merged = merge_lint_findings(
        [local("MALFORMED", None, Severity.HIGH)],
        [to_lint_finding(aws_finding("JSON_SYNTAX_ERROR", "ERROR", 0))],
    )
    assert [f.code for f in merged] == ["MALFORMED"]


def test_aws_duplicates_among_themselves_are_dropped() -> None:
    twice = to_lint_finding(aws_finding("REDUNDANT_ACTION", "SUGGESTION", 1))
    assert len(merge_lint_findings([], [twice, twice])) == 1


# --- local-only fallbacks ------------------------------------------------------------------------


def test_access_denied_means_local_only_with_the_reason() -> None:
    made, stubber = client()
    stubber.add_client_error("validate_policy", "AccessDeniedException", "no", 403)
    outcome = validate_documents([("p.json", POLICY_TEXT)], "identity", make_client=lambda: made)
    assert outcome.status == "local-only"
    assert outcome.reason == (
        "ValidatePolicy was denied: grant access-analyzer:ValidatePolicy to the identity running"
        " the audit"
    )
    assert outcome.describe().startswith("local linter only: ValidatePolicy was denied")


def test_no_credentials_means_local_only() -> None:
    def no_credentials() -> Any:
        raise CollectionError("no AWS credentials found: configure a profile")

    outcome = validate_documents([("p.json", POLICY_TEXT)], "identity", make_client=no_credentials)
    assert (outcome.status, outcome.findings) == ("local-only", {})
    assert "no AWS credentials" in outcome.reason


def test_documents_that_are_not_json_are_not_sent() -> None:
    made, _stubber = client()  # no response queued: a call would fail the test
    outcome = validate_documents([("bad.json", "{nope")], "identity", make_client=lambda: made)
    assert outcome.status == "merged"
    assert outcome.findings == {"bad.json": ()}
    assert outcome.describe() == "merged with IAM Access Analyzer ValidatePolicy (eu-west-1)"


@pytest.fixture
def instant_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0)


def test_unreachable_aws_means_local_only(instant_retries: None) -> None:
    unreachable = SESSION.client(
        "accessanalyzer",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",  # nothing listens on the discard port
        config=Config(connect_timeout=1, retries={"mode": "standard", "total_max_attempts": 2}),
    )
    outcome = validate_documents(
        [("p.json", POLICY_TEXT)], "identity", make_client=lambda: unreachable
    )
    assert outcome.status == "local-only"
    assert outcome.reason.startswith("could not reach AWS calling ValidatePolicy")


# --- through the CLI -----------------------------------------------------------------------------


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.json"
    path.write_text(POLICY_TEXT, encoding="utf-8")
    return path


def test_cli_merges_and_says_so(capsys, monkeypatch, policy_file: Path) -> None:
    made, stubber = client()
    stubber.add_response(
        "validate_policy",
        {
            "findings": [
                aws_finding("INVALID_ACTION", "ERROR", 0),
                aws_finding("MISSING_VERSION", "WARNING", None),
            ]
        },
        {"policyDocument": POLICY_TEXT, "policyType": "IDENTITY_POLICY"},
    )
    monkeypatch.setattr(validate_module, "session_client_maker", lambda p, r: lambda: made)
    code, out, err = run_cli(capsys, "lint", str(policy_file), "--aws-validate", "-f", "json")
    assert code == 1, err
    data = json.loads(out)
    assert data["aws_validation"] == {"status": "merged", "reason": None, "region": "eu-west-1"}
    findings = data["files"][0]["findings"]
    codes = [f["code"] for f in findings]
    assert "AWS_MISSING_VERSION" in codes
    assert "AWS_INVALID_ACTION" not in codes  # the linter's UNKNOWN_ACTION already says it
    unknown = next(f for f in findings if f["code"] == "UNKNOWN_ACTION")
    assert unknown["detail"]["aws"][0]["issue_code"] == "INVALID_ACTION"


def test_cli_without_credentials_is_local_only_and_says_which(
    capsys, monkeypatch, policy_file: Path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    code, out, err = run_cli(capsys, "lint", str(policy_file), "--aws-validate")
    assert code == 1, err  # the local findings still decide the exit code
    assert "UNKNOWN_ACTION" in out
    assert (
        out.rstrip()
        .splitlines()[-1]
        .startswith("AWS validation: local linter only: no AWS credentials found")
    )


def test_cli_without_the_flag_never_calls_aws(capsys, monkeypatch, policy_file: Path) -> None:
    def fail(*_: Any) -> Any:
        raise AssertionError("AWS must not be asked without --aws-validate")

    monkeypatch.setattr(validate_module, "session_client_maker", fail)
    code, out, _ = run_cli(capsys, "lint", str(policy_file))
    assert code == 1
    assert "AWS validation" not in out
