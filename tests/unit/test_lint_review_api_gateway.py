"""Review of the linter: API Gateway resource policies.

API Gateway Developer Guide, "API Gateway resource policy examples": a REST API's resource
policy may name its own methods in the short form ``execute-api:/stage/METHOD/path``
(``"Resource": "execute-api:/*"``, ``"execute-api:/*/*/*"``); API Gateway expands it to
``arn:aws:execute-api:REGION:ACCOUNT:API-ID/...`` when it saves the policy. The linter
rejected every such policy as MALFORMED (high, "must be in ARN format") and, the statement lost,
linted nothing else in it. Only a resource policy takes the short form; an identity policy
must use the ARN.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.iam.catalogue import ActionCatalogue, default_catalogue
from bot.iam.lint_model import MALFORMED, PUBLIC_PRINCIPAL, LintFinding
from bot.iam.linter import lint_policy


@pytest.fixture(scope="module")
def catalogue() -> ActionCatalogue:
    return default_catalogue()


def _lint(catalogue: ActionCatalogue, document: Any, policy_type: str | None) -> list[LintFinding]:
    return lint_policy(document, catalogue=catalogue, policy_type=policy_type)  # type: ignore[arg-type]


SOURCE_IP_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "execute-api:/*/*/*",
        },
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "execute-api:/*/*/*",
            "Condition": {"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "198.51.100.0/24"]}},
        },
    ],
}

ACCOUNT_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": ["arn:aws:iam::111122223333:root"]},
            "Action": "execute-api:Invoke",
            "Resource": "execute-api:/prod/GET/pets",
        }
    ],
}


@pytest.mark.parametrize("policy_type", ["resource", None])
@pytest.mark.parametrize("as_text", [False, True])
def test_short_form_resources_are_not_malformed(
    catalogue: ActionCatalogue, policy_type: str | None, as_text: bool
) -> None:
    document: Any = json.dumps(ACCOUNT_POLICY) if as_text else ACCOUNT_POLICY
    assert _lint(catalogue, document, policy_type) == []


def test_the_short_form_statements_are_still_linted(catalogue: ActionCatalogue) -> None:
    found = _lint(catalogue, SOURCE_IP_POLICY, "resource")
    assert MALFORMED not in {f.code for f in found}
    # the documented source-IP policy is public apart from the Deny: said, as for an ARN
    assert [f.statement for f in found if f.code == PUBLIC_PRINCIPAL] == [0]


def test_a_wrong_action_next_to_the_short_form_is_still_reported(
    catalogue: ActionCatalogue,
) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{**ACCOUNT_POLICY["Statement"][0], "Action": "execute-api:Invoek"}],
    }
    assert "UNKNOWN_ACTION" in {f.code for f in _lint(catalogue, document, "resource")}


def test_the_short_form_in_an_identity_policy_stays_malformed(catalogue: ActionCatalogue) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}
        ],
    }
    assert MALFORMED in {f.code for f in _lint(catalogue, document, "identity")}


def test_other_non_arn_resources_stay_malformed(catalogue: ActionCatalogue) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{**ACCOUNT_POLICY["Statement"][0], "Resource": "execute-api/*"}],
    }
    assert MALFORMED in {f.code for f in _lint(catalogue, document, "resource")}
