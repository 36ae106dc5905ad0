"""AWS's IAM policy simulator, asked for a second opinion (the only caller of its APIs).

iam:SimulateCustomPolicy evaluates policy documents we pass; iam:SimulatePrincipalPolicy
evaluates a real user's or role's live policies (plus any we add). Both are read-only and
paginated; the client comes from bot.aws.session with adaptive retries, so throttling is
retried before it becomes an error. Anything that stops AWS from answering -- no credentials,
AccessDenied, an emulator without these APIs, persistent throttling -- becomes one
:class:`SimulatorUnavailable` sentence, never an HTML body or a traceback.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from bot.aws.errors import error_code, error_message, is_access_denied, is_throttling
from bot.iam.catalogue import default_catalogue
from bot.iam.evaluator import Decision, PolicySet, Request
from bot.iam.second_opinion import (
    AWS_DECISIONS,
    AwsAnswer,
    Comparison,
    CustomSimulation,
    NotComparable,
    compare,
    custom_simulation,
)
from bot.model.errors import IamAuditError

MAX_ACTIONS_PER_CALL = 100  # generous; AWS paginates the results, not the input
# A second opinion must not hold a preview for half a minute: adaptive retries still absorb
# throttling, but fewer attempts and short timeouts give up on an endpoint that is not there.
RETRIES = {"mode": "adaptive", "max_attempts": 4}
TIMEOUTS = {"connect_timeout": 5, "read_timeout": 30}

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
log = logging.getLogger(__name__)


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
        except ResponseParserError as exc:  # a web page where AWS's XML should be
            raise SimulatorUnavailable(
                f"the endpoint does not answer {permission} the way AWS does (an emulator?)"
            ) from exc
        except BotoCoreError as exc:
            raise SimulatorUnavailable(
                f"AWS's simulator could not be reached: {_one_line(str(exc))}"
            ) from exc
        return answers


def from_session(session: Any) -> PolicySimulator:
    """The adapter on an IAM client of ``session`` (region and endpoint as boto3 resolves them)."""
    from bot.aws.errors import translate_botocore_error  # noqa: PLC0415
    from bot.aws.session import DEFAULT_REGION, client_config  # noqa: PLC0415

    config = client_config().merge(Config(retries=dict(RETRIES), **TIMEOUTS))
    try:
        client = session.client(
            "iam", region_name=session.region_name or DEFAULT_REGION, config=config
        )
    except BotoCoreError as exc:
        raise translate_botocore_error(exc) from exc
    return PolicySimulator(client)


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


Evaluated = tuple[Request, PolicySet, Decision]


def second_opinion(
    evaluated: Sequence[Evaluated],
    make_simulator: Callable[[], PolicySimulator],
    *,
    principal_source: str | None = None,
) -> list[Comparison]:
    """AWS's answer beside each local one, in order; unreachable AWS leaves only ours.

    Requests sharing their policies, caller and context go to AWS in one call (AWS evaluates
    every action on every resource listed). ``principal_source`` asks SimulatePrincipalPolicy
    about that live user or role instead of sending the documents the local engine evaluated.
    """
    groups: dict[str, list[int]] = {}
    simulations: dict[str, CustomSimulation | None] = {}
    results: dict[int, Comparison] = {}
    for position, (request, policies, decision) in enumerate(evaluated):
        simulation: CustomSimulation | None = None
        if principal_source is None:
            try:
                simulation = custom_simulation(request, policies)
            except NotComparable as exc:
                results[position] = compare(request, decision, None, unavailable=str(exc))
                continue
        key = _group_key(request, simulation)
        groups.setdefault(key, []).append(position)
        simulations[key] = simulation
    stopped = ""
    simulator: PolicySimulator | None = None
    if groups:
        try:
            simulator = make_simulator()
        except IamAuditError as exc:  # no credentials, unknown profile, demo mode ...
            stopped = _one_line(str(exc)) or type(exc).__name__
    for key, positions in groups.items():
        if stopped:
            for position in positions:
                request, _, decision = evaluated[position]
                results[position] = compare(request, decision, None, unavailable=stopped)
            continue
        requests = [evaluated[p][0] for p in positions]
        actions = list(dict.fromkeys(r.action for r in requests))
        resources = list(dict.fromkeys(r.resource for r in requests))
        assert simulator is not None
        try:
            answers = _ask_in_chunks(
                simulator,
                simulations[key],
                principal_source=principal_source,
                first=requests[0],
                actions=actions,
                resources=resources,
            )
        except SimulatorUnavailable as exc:
            stopped = str(exc)
            answers = {}
        except Exception as exc:  # a second opinion never breaks the first
            log.warning("AWS's simulator failed unexpectedly: %s: %s", type(exc).__name__, exc)
            log.debug("AWS's simulator failure", exc_info=True)
            stopped = f"AWS's simulator could not be asked ({type(exc).__name__})"
            answers = {}
        for position in positions:
            request, _, decision = evaluated[position]
            found = answers.get((request.action.lower(), request.resource))
            missing = stopped or "AWS's simulator returned no result for this request"
            results[position] = compare(request, decision, found, unavailable=missing)
    return [results[position] for position in range(len(evaluated))]


def _group_key(request: Request, simulation: CustomSimulation | None) -> str:
    if simulation is None:
        return json.dumps(
            {"context": {k: list(v) for k, v in sorted(_context(request).items())}},
            sort_keys=True,
        )
    return json.dumps(
        {
            "identity": simulation.identity,
            "boundaries": simulation.boundaries,
            "resource_policy": simulation.resource_policy,
            "caller": simulation.caller_arn,
            "owner": simulation.resource_owner,
            "context": {k: list(v) for k, v in sorted(simulation.context.items())},
        },
        sort_keys=True,
    )


def _context(request: Request) -> dict[str, tuple[str, ...]]:
    return {
        key: (value,) if isinstance(value, str) else tuple(value)
        for key, value in request.context.items()
    }


def _ask_in_chunks(
    simulator: PolicySimulator,
    simulation: CustomSimulation | None,
    *,
    principal_source: str | None,
    first: Request,
    actions: list[str],
    resources: list[str],
) -> dict[tuple[str, str], AwsAnswer]:
    answers: dict[tuple[str, str], AwsAnswer] = {}
    for start in range(0, len(actions), MAX_ACTIONS_PER_CALL):
        chunk = actions[start : start + MAX_ACTIONS_PER_CALL]
        if simulation is not None:
            found = simulator.simulate_custom(simulation, chunk, resources)
        else:
            assert principal_source is not None
            found = simulator.simulate_principal(
                principal_source, chunk, resources, context=_context(first)
            )
        for answer in found:
            answers[(answer.action.lower(), answer.resource)] = answer
    return answers
