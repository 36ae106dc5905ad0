"""iam:CreatePolicyVersion is not idempotent, and the bot's clients resend a call whose answer
was lost (botocore's adaptive retries, 10 attempts): IAM may then hold a second identical new
version. The apply deletes the copies its own lost attempts made (journalled like any change),
so the policy holds one new version, as if the call had been sent once, and the undo and the
rollback leave nothing behind. Versions it did not make are never deleted.

moto IAM, with a botocore ``before-send`` hook that lets moto act on the first attempt and then
drops its answer (ReadTimeoutError, as a lost response gives): the real retry path resends it.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.exceptions import ReadTimeoutError

from bot.approvals.journal import CallJournal
from bot.aws.remediate import RemediationExecutor
from tests.integration import test_rightsize_apply
from tests.integration.test_rightsize_apply import NARROW, WIDE, fail_on_put, params

iam = test_rightsize_apply.iam  # moto IAM: role worker, its policy app and inline policy (fixture)


class LoseAnswers:
    """IAM gets the call and acts on it (moto's handler ran first); its answer never arrives."""

    def __init__(self, times: int = 1) -> None:
        self.left = times

    def __call__(self, request: Any, event_name: str = "", **_: Any) -> None:
        if self.left and event_name.endswith(".CreatePolicyVersion"):
            self.left -= 1
            raise ReadTimeoutError(endpoint_url=request.url)


def executor(session: boto3.Session, *, lost: int = 1) -> RemediationExecutor:
    ex = RemediationExecutor(session)
    events = ex._client("iam").meta.events
    # After moto's own handler (a more specific event name would run before it).
    events.register_last("before-send", LoseAnswers(lost))
    return ex


def apply(ex: RemediationExecutor, remediation: str, p: dict, journal: Any = None):
    return ex.apply(remediation, p, request_id="R1", requester="U1", approver="U2", journal=journal)


def versions(session: boto3.Session, arn: str) -> list[tuple[str, bool]]:
    found = session.client("iam").list_policy_versions(PolicyArn=arn)["Versions"]
    return sorted((v["VersionId"], v["IsDefaultVersion"]) for v in found)


def test_a_create_resent_after_its_answer_was_lost_leaves_one_new_version(iam) -> None:
    session, arn = iam
    intents: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    result = apply(
        executor(session),
        "rightsize_principal",
        params(arn),
        CallJournal(intents.append, results.append),
    )
    assert result.ok, result.outcome
    # v2 was made by the attempt whose answer was lost, v3 by botocore's retry.
    assert versions(session, arn) == [("v1", False), ("v3", True)]
    [deleted] = [i for i in intents if i["api"] == "DeletePolicyVersion"]
    assert deleted["args"] == {"PolicyArn": arn, "VersionId": "v2"}
    assert not deleted["rollback"]
    # Marked with its edit like every change of a right-sizing (undo of a partial apply).
    assert deleted["detail"]["rightsize"]["edit"]["name"] == "app"
    assert deleted["detail"]["duplicate_of"] == "v3"
    # The undo leaves the policy as it was before, with the kept right-sized version only.
    assert apply(RemediationExecutor(session), "restore_rightsized_policies", params(arn)).ok
    assert versions(session, arn) == [("v1", True), ("v3", False)]


def test_the_rollback_of_a_resent_create_leaves_no_version_behind(iam) -> None:
    session, arn = iam
    ex = executor(session)
    fail_on_put(ex._client("iam"), "PutRolePolicy", "LimitExceeded")
    result = apply(ex, "rightsize_principal", params(arn))
    assert not result.ok
    assert "fix by hand" not in result.outcome
    assert versions(session, arn) == [("v1", True)]


def test_a_version_someone_else_made_with_the_same_document_is_never_deleted(iam) -> None:
    """Only versions that appeared during this apply's own create, after the listing it made
    just before, are its lost attempts': an identical version made earlier is someone's."""
    session, arn = iam
    session.client("iam").create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(NARROW))
    result = apply(executor(session), "rightsize_principal", params(arn))
    assert result.ok, result.outcome
    assert versions(session, arn) == [("v1", False), ("v2", False), ("v4", True)]


def test_an_answer_that_came_at_once_costs_no_extra_call(iam) -> None:
    """No retry, no copy: the check only runs after a resent create (botocore's RetryAttempts)."""
    session, arn = iam
    result = apply(executor(session, lost=0), "rightsize_principal", params(arn))
    assert result.ok, result.outcome
    after = [c.api for c in result.calls][
        [c.api for c in result.calls].index("CreatePolicyVersion") :
    ]
    assert after == ["CreatePolicyVersion", "GetRolePolicy", "PutRolePolicy"]
    assert versions(session, arn) == [("v1", False), ("v2", True)]


def test_a_copy_that_cannot_be_deleted_takes_its_new_version_back_with_it(iam) -> None:
    """The executor rolls back completed steps only: when deleting a copy fails, the step undoes
    its own new version (and the copy) before reporting, so nothing is left half-done."""
    session, arn = iam
    ex = executor(session)
    refuse_once(ex._client("iam"), "DeletePolicyVersion")
    result = apply(ex, "rightsize_principal", params(arn))
    assert not result.ok
    assert "DeletePolicyVersion failed: ServiceFailure" in result.outcome
    assert "undoing its new version failed" not in result.outcome
    assert versions(session, arn) == [("v1", True)]
    inline = session.client("iam").get_role_policy(RoleName="worker", PolicyName="inline")
    assert inline["PolicyDocument"] == WIDE  # the later step never ran


def refuse_once(client: Any, api: str) -> None:
    """``api`` fails once with IAM's 500 ServiceFailure (as after botocore's retries)."""
    left = [1]

    def fail(**_kwargs: object):
        from botocore.awsrequest import AWSResponse

        if not left:
            return None
        left.pop()
        parsed = {
            "Error": {"Code": "ServiceFailure", "Message": "Request processing has failed"},
            "ResponseMetadata": {"RequestId": "iam-request-id", "HTTPStatusCode": 500},
        }
        return AWSResponse("https://iam.amazonaws.com/", 500, {}, None), parsed

    client.meta.events.register(f"before-call.iam.{api}", fail)
