"""AWS's IAM policy simulator, asked for a second opinion (the only caller of its APIs).

iam:SimulateCustomPolicy evaluates policy documents we pass; iam:SimulatePrincipalPolicy
evaluates a real user's or role's live policies (plus any we add). Both are read-only and
paginated; the client comes from bot.aws.session with adaptive retries, so throttling is
retried before it becomes an error. Anything that stops AWS from answering -- no credentials,
AccessDenied, an emulator without these APIs, persistent throttling -- becomes one
:class:`SimulatorUnavailable` sentence, never an HTML body or a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from bot.aws.errors import error_code, error_message, is_access_denied, is_throttling
from bot.iam.catalogue import default_catalogue
from bot.iam.second_opinion import AWS_DECISIONS, AwsAnswer, CustomSimulation

MAX_ACTIONS_PER_CALL = 100  # generous; AWS paginates the results, not the input

# IAM API Reference, ContextEntry.ContextKeyType, by the catalogue's condition-key base type.
_CONTEXT_TYPES = {
    "String": "string",
    "ARN": "string",
    "Numeric": "numeric",
    "Bool": "boolean",
    "Date": "date",
    "IPAddress": "ip",
    "Binary": "binary",
}
_MARKUP = re.compile(r"<[^>]+>")


class SimulatorUnavailable(Exception):
    """AWS's simulator could not answer; ``str()`` is one line saying why."""


class PolicySimulator:
    """Ask AWS's simulator; build with a boto3 IAM client (see :func:`from_session`)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def simulate_custom(
        self, simulation: CustomSimulation, actions: Sequence[str], resources: Sequence[str]
    ) -> list[AwsAnswer]:
        params: dict[str, Any] = {
            "PolicyInputList": list(simulation.identity),
            "ActionNames": list(actions),
            "ResourceArns": list(resources),
        }
        if simulation.boundaries:
            params["PermissionsBoundaryPolicyInputList"] = list(simulation.boundaries)
        if simulation.resource_policy is not None:
            params["ResourcePolicy"] = simulation.resource_policy
        if simulation.caller_arn:
            params["CallerArn"] = simulation.caller_arn
        if simulation.resource_owner:
            params["ResourceOwner"] = simulation.resource_owner
        if simulation.context:
            params["ContextEntries"] = context_entries(simulation.context)
        return self._run("simulate_custom_policy", "iam:SimulateCustomPolicy", params)

    def simulate_principal(
        self,
        source_arn: str,
        actions: Sequence[str],
        resources: Sequence[str],
        *,
        extra_policies: Sequence[str] = (),
        context: Mapping[str, tuple[str, ...]] | None = None,
    ) -> list[AwsAnswer]:
        params: dict[str, Any] = {
            "PolicySourceArn": source_arn,
            "ActionNames": list(actions),
            "ResourceArns": list(resources),
        }
        if extra_policies:
            params["PolicyInputList"] = list(extra_policies)
        if context:
            params["ContextEntries"] = context_entries(context)
        return self._run("simulate_principal_policy", "iam:SimulatePrincipalPolicy", params)

    def _run(self, operation: str, permission: str, params: dict[str, Any]) -> list[AwsAnswer]:
        if len(params["ActionNames"]) > MAX_ACTIONS_PER_CALL:
            raise ValueError(f"at most {MAX_ACTIONS_PER_CALL} actions per simulation")
        answers: list[AwsAnswer] = []
        try:
            for page in self._client.get_paginator(operation).paginate(**params):
                answers.extend(_answer(result) for result in page.get("EvaluationResults", []))
        except ClientError as exc:
            raise SimulatorUnavailable(_client_error_sentence(exc, permission)) from exc
        except NotImplementedError as exc:  # an in-process emulator without these APIs
            raise SimulatorUnavailable(
                f"the endpoint does not offer {permission} (an emulator?)"
            ) from exc
        except BotoCoreError as exc:
            raise SimulatorUnavailable(
                f"AWS's simulator could not be reached: {_one_line(str(exc))}"
            ) from exc
        return answers


def from_session(session: Any) -> PolicySimulator:
    from bot.aws.session import make_client  # noqa: PLC0415 - keeps import light for tests

    return PolicySimulator(make_client(session, "iam"))


def context_entries(context: Mapping[str, tuple[str, ...]]) -> list[dict[str, Any]]:
    """ContextEntries for AWS, typed from the catalogue (unknown keys are strings)."""
    catalogue = default_catalogue()
    entries = []
    for key, values in context.items():
        info = catalogue.find_condition_key(key)
        base = _CONTEXT_TYPES.get(info.base_type, "string") if info else "string"
        listed = len(values) != 1 or bool(info and info.multivalued)
        entries.append(
            {
                "ContextKeyName": key,
                "ContextKeyValues": list(values),
                "ContextKeyType": f"{base}List" if listed else base,
            }
        )
    return entries


def _answer(result: Mapping[str, Any]) -> AwsAnswer:
    raw = str(result.get("EvalDecision", ""))
    return AwsAnswer(
        action=str(result.get("EvalActionName", "")),
        resource=str(result.get("EvalResourceName", "*")),
        decision=AWS_DECISIONS.get(raw, raw),
        matched=tuple(
            str(m.get("SourcePolicyId", "?")) for m in result.get("MatchedStatements", [])
        ),
        missing_context=tuple(str(k) for k in result.get("MissingContextValues", [])),
    )


def _client_error_sentence(exc: ClientError, permission: str) -> str:
    code = error_code(exc)
    if is_access_denied(exc):
        return f"these credentials may not call {permission} ({code})"
    if is_throttling(exc):
        return f"AWS kept throttling {permission} after retries ({code})"
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code in ("NotImplemented", "InvalidAction", "UnknownOperationException") or status in (
        404,
        405,
        501,
    ):
        return f"the endpoint does not offer {permission} (an emulator?)"
    message = _one_line(error_message(exc)) or "no message"
    return f"AWS's simulator refused the request: {code}: {message}"


def _one_line(text: str, limit: int = 200) -> str:
    """Markup stripped, whitespace folded, cut to ``limit`` characters."""
    flat = " ".join(_MARKUP.sub(" ", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
