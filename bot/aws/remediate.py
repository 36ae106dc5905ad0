"""The I/O half of remediations: read the target's state and apply a plan, step by step.

Every AWS call is recorded with its outcome and AWS request id (ResponseMetadata.RequestId). A
step that fails rolls back the steps before it, in reverse order, and the rollback calls are
recorded too. Customer-managed policies are created with the iam-audit- prefix and tagged with
the approval request id, requester and approver. ClientError becomes RemediationError.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import boto3
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ReadTimeoutError,
)

from bot.approvals.journal import CallJournal
from bot.aws.apply_records import (
    TAG_APPROVER,
    TAG_REQUEST,
    TAG_REQUESTER,
    ApplyContext,
    CallRecord,
)
from bot.aws.errors import error_code, error_message
from bot.aws.rightsize_apply import STEP_BUILDERS as RIGHTSIZE_STEP_BUILDERS
from bot.aws.rightsize_apply import final_calls as rightsize_final_calls
from bot.aws.rightsize_apply import iam_document
from bot.aws.rightsize_apply import undo_of_partial as rightsize_undo_of_partial
from bot.aws.session import make_client
from bot.model.errors import RemediationError
from bot.remediation.fixes.rightsize import RESTORE

log = logging.getLogger(__name__)


@dataclass
class ApplyResult:
    ok: bool
    outcome: str
    calls: list[CallRecord]
    rolled_back: bool = False


@dataclass
class _Step:
    name: str
    do: Callable[[], None]
    undo: Callable[[], None] | None = None
    # False for a step that only reads (a lookup, a check): nothing to roll back, and a
    # rollback must not report it as a change that "cannot be undone".
    changes: bool = True


class RemediationExecutor:
    """Reads and changes IAM (and Access Analyzer) for approved requests; clients made lazily."""

    def __init__(
        self,
        session: boto3.Session,
        *,
        region: str | None = None,
        client_factory: Callable[[str, str | None], Any] | None = None,
    ) -> None:
        self._session = session
        self._region = region
        self._clients: dict[tuple[str, str], Any] = {}
        self._account: str | None = None
        # (service, region) -> client; None = make_client on the session (tests pass stubbed ones).
        self._client_factory = client_factory

    # --- clients and recorded calls ------------------------------------------------------------

    def _client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self._region or "")
        if key not in self._clients:
            if self._client_factory is not None:
                self._clients[key] = self._client_factory(service, region or self._region)
            else:
                self._clients[key] = make_client(
                    self._session, service, region=region or self._region
                )
        return self._clients[key]

    def _call(
        self,
        calls: list[CallRecord] | None,
        client: Any,
        api: str,
        *,
        rollback: bool = False,
        detail: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        method = getattr(client, _snake(api))
        try:
            response = method(**kwargs)
        except ClientError as exc:
            request_id = (exc.response.get("ResponseMetadata") or {}).get("RequestId", "")
            record = CallRecord(
                api, False, request_id, error_code(exc), error_message(exc), rollback, detail or {}
            )
            if calls is not None:
                calls.append(record)
            raise RemediationError(
                f"{api} failed: {error_code(exc)}: {error_message(exc)}"
            ) from exc
        except BotoCoreError as exc:
            if calls is not None:
                calls.append(CallRecord(api, False, "", type(exc).__name__, str(exc), rollback))
            if isinstance(exc, ReadTimeoutError | ConnectionClosedError):
                # Sent, and maybe applied by IAM: only its answer was lost (the desk checks IAM).
                raise RemediationError(
                    f"{api} got no answer from AWS ({exc}); it may have taken effect"
                ) from exc
            raise RemediationError(f"{api} could not be sent: {exc}") from exc
        request_id = (response.get("ResponseMetadata") or {}).get("RequestId", "")
        if calls is not None:
            calls.append(CallRecord(api, True, request_id, rollback=rollback, detail=detail or {}))
        return response

    def _read(self, client: Any, api: str, **kwargs: Any) -> dict[str, Any] | None:
        """A read for the fingerprint: None when the entity does not exist."""
        try:
            return self._call(None, client, api, **kwargs)
        except RemediationError as exc:
            cause = exc.__cause__
            if isinstance(cause, ClientError) and error_code(cause) == "NoSuchEntity":
                return None
            raise

    def _pages(self, client: Any, api: str, key: str, **kwargs: Any) -> list[Any]:
        try:
            paginator = client.get_paginator(_snake(api))
            items: list[Any] = []
            for page in paginator.paginate(**kwargs):
                items.extend(page.get(key) or [])
            return items
        except ClientError as exc:
            if error_code(exc) == "NoSuchEntity":
                raise
            raise RemediationError(
                f"{api} failed: {error_code(exc)}: {error_message(exc)}"
            ) from exc

    def account_id(self) -> str:
        if self._account is None:
            sts = self._client("sts")
            self._account = str(self._call(None, sts, "GetCallerIdentity")["Account"])
        return self._account

    def partition(self) -> str:
        region = self._region or self._session.region_name or "us-east-1"
        if region.startswith("cn-"):
            return "aws-cn"
        if region.startswith("us-gov-"):
            return "aws-us-gov"
        return "aws"

    # --- target state (fingerprint) ------------------------------------------------------------

    def read_state(self, kind: str, name: str, params: dict[str, Any]) -> dict[str, Any]:
        """The parts of the target a remediation depends on; compared again before applying."""
        iam = self._client("iam")
        try:
            if kind == "user":
                return self._user_state(iam, name)
            if kind == "group":
                return self._group_state(iam, name)
            if kind == "role":
                return self._role_state(iam, name)
            if kind == "server_certificate":
                found = self._read(iam, "GetServerCertificate", ServerCertificateName=name)
                if found is None:
                    return {"exists": False}
                meta = found["ServerCertificate"]["ServerCertificateMetadata"]
                return {
                    "exists": True,
                    "arn": meta["Arn"],
                    "expiration": str(meta.get("Expiration")),
                }
            if kind == "analyzer_finding":
                return self._finding_state(params)
            if kind == "policy":
                found = self._read(iam, "GetPolicy", PolicyArn=str(params.get("policy_arn")))
                if found is None:
                    return {"exists": False}
                policy = found["Policy"]
                return {
                    "exists": True,
                    "arn": policy["Arn"],
                    "attachments": int(policy.get("AttachmentCount") or 0),
                    "default_version": policy.get("DefaultVersionId"),
                }
            if kind == "analyzer":
                region = str(params.get("region"))
                analyzer = self._client("accessanalyzer", region)
                found_list = self._call(None, analyzer, "ListAnalyzers").get("analyzers") or []
                return {
                    "analyzers": sorted(
                        f"{a['name']}:{a.get('type')}:{a.get('status')}" for a in found_list
                    )
                }
        except ClientError as exc:
            if error_code(exc) == "NoSuchEntity":
                return {"exists": False}
            raise RemediationError(f"reading {kind} {name} failed: {error_message(exc)}") from exc
        raise RemediationError(f"unknown target kind {kind!r}")

    def _finding_state(self, params: dict[str, Any]) -> dict[str, Any]:
        """An Access Analyzer finding's status (what archiving changes) and resource."""
        client = self._client("accessanalyzer", str(params.get("region")))
        try:
            found = self._call(
                None,
                client,
                "GetFindingV2",
                analyzerArn=str(params.get("analyzer_arn")),
                id=str(params.get("finding_id")),
            )
        except RemediationError as exc:
            cause = exc.__cause__
            if isinstance(cause, ClientError) and error_code(cause) == "ResourceNotFoundException":
                return {"exists": False}
            raise
        return {
            "exists": True,
            "status": found.get("status"),
            "resource": found.get("resource"),
            "finding_type": found.get("findingType"),
        }

    def _user_state(self, iam: Any, name: str) -> dict[str, Any]:
        if self._read(iam, "GetUser", UserName=name) is None:
            return {"exists": False}
        login = self._read(iam, "GetLoginProfile", UserName=name)
        keys = self._pages(iam, "ListAccessKeys", "AccessKeyMetadata", UserName=name)
        return {
            "exists": True,
            "attached": sorted(
                p["PolicyArn"]
                for p in self._pages(
                    iam, "ListAttachedUserPolicies", "AttachedPolicies", UserName=name
                )
            ),
            "inline": sorted(self._pages(iam, "ListUserPolicies", "PolicyNames", UserName=name)),
            "groups": sorted(
                g["GroupName"]
                for g in self._pages(iam, "ListGroupsForUser", "Groups", UserName=name)
            ),
            "console_password": login is not None,
            "access_keys": sorted(f"{k['AccessKeyId']}:{k['Status']}" for k in keys),
            "mfa_devices": sorted(
                d["SerialNumber"]
                for d in self._pages(iam, "ListMFADevices", "MFADevices", UserName=name)
            ),
        }

    def _group_state(self, iam: Any, name: str) -> dict[str, Any]:
        found = self._read(iam, "GetGroup", GroupName=name)
        if found is None:
            return {"exists": False}
        return {
            "exists": True,
            "members": sorted(u["UserName"] for u in found.get("Users") or []),
            "attached": sorted(
                p["PolicyArn"]
                for p in self._pages(
                    iam, "ListAttachedGroupPolicies", "AttachedPolicies", GroupName=name
                )
            ),
            "inline": sorted(self._pages(iam, "ListGroupPolicies", "PolicyNames", GroupName=name)),
        }

    def _role_state(self, iam: Any, name: str) -> dict[str, Any]:
        found = self._read(iam, "GetRole", RoleName=name)
        if found is None:
            return {"exists": False}
        trust = found["Role"].get("AssumeRolePolicyDocument") or {}
        if isinstance(trust, str):
            trust = json.loads(unquote(trust))
        return {
            "exists": True,
            "trust_policy": trust,
            "attached": sorted(
                p["PolicyArn"]
                for p in self._pages(
                    iam, "ListAttachedRolePolicies", "AttachedPolicies", RoleName=name
                )
            ),
            "inline": sorted(self._pages(iam, "ListRolePolicies", "PolicyNames", RoleName=name)),
        }

    def attached_policies(self, kind: str, name: str) -> list[tuple[str, str]]:
        """(name, ARN) of the managed policies attached to a user, group or role."""
        iam = self._client("iam")
        api = {
            "user": "ListAttachedUserPolicies",
            "group": "ListAttachedGroupPolicies",
            "role": "ListAttachedRolePolicies",
        }[kind]
        arg = {"user": "UserName", "group": "GroupName", "role": "RoleName"}[kind]
        try:
            items = self._pages(iam, api, "AttachedPolicies", **{arg: name})
        except ClientError as exc:
            raise RemediationError(f"there is no IAM {kind} named {name!r}") from exc
        return [(p["PolicyName"], p["PolicyArn"]) for p in items]

    # --- apply ---------------------------------------------------------------------------------

    def apply(
        self,
        remediation: str,
        params: dict[str, Any],
        *,
        request_id: str,
        requester: str,
        approver: str,
        journal: CallJournal | None = None,
    ) -> ApplyResult:
        """Run the steps; on a failure undo the completed ones (newest first) and report both.

        With a ``journal``, each call is recorded before it is sent and as it returns; a journal
        write that fails (StoreError) stops the apply there, to be reconciled later.
        """
        context = ApplyContext(request_id, requester, approver)
        calls: list[CallRecord] = journal if journal is not None else []  # type: ignore[assignment]
        builder = _BUILDERS.get(remediation)
        if builder is None:
            raise RemediationError(f"no AWS implementation for remediation {remediation!r}")
        steps = builder(self, params, context, calls)
        done: list[_Step] = []
        for step in steps:
            try:
                step.do()
            except RemediationError as exc:
                log.warning("request %s: step %r failed: %s", context.request_id, step.name, exc)
                problems = self._rollback(done, calls, context)
                undone = ", ".join(s.name for s in reversed(done)) or "nothing to undo"
                outcome = f"Step {step.name!r} failed: {exc}. Rolled back: {undone}."
                if problems:
                    outcome += " Rollback problems (fix by hand): " + "; ".join(problems)
                return ApplyResult(False, outcome, calls, rolled_back=bool(done))
            if step.changes:
                done.append(step)
        changed = [s.name for s in steps if s.changes]
        return ApplyResult(True, "Applied: " + ", ".join(changed) + ".", calls)

    def _rollback(
        self, done: list[_Step], calls: list[CallRecord], context: ApplyContext
    ) -> list[str]:
        problems = []
        for step in reversed(done):
            if step.undo is None:
                problems.append(f"{step.name} cannot be undone automatically")
                continue
            try:
                step.undo()
            except RemediationError as exc:
                log.error(
                    "request %s: rollback of %r failed: %s", context.request_id, step.name, exc
                )
                problems.append(f"undoing {step.name} failed: {exc}")
        return problems

    # used by the step builders below
    def call(
        self,
        calls: list[CallRecord],
        service: str,
        api: str,
        *,
        rollback: bool = False,
        region: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        if isinstance(calls, CallJournal):
            arguments = {k: v for k, v in kwargs.items() if k != "detail"}
            # The detail goes with the intent too: a call in flight when the bot died may have
            # taken effect, and undoing it needs what its result would have recorded.
            detail = {"detail": kwargs["detail"]} if kwargs.get("detail") else {}
            calls.sending(
                {"service": service, "api": api, "region": region or "", "args": arguments}
                | {"rollback": rollback}
                | detail
            )
        return self._call(calls, self._client(service, region), api, rollback=rollback, **kwargs)

    # --- reconciliation: did a call whose answer was lost take effect? --------------------------

    def took_effect(self, intent: dict[str, Any]) -> bool | None:
        """Whether the change ``intent`` (a journalled call) asked for is in IAM now.

        None for a read (it changes nothing). Every check is a read, so it is safe to repeat.
        """
        api, args = str(intent.get("api", "")), dict(intent.get("args") or {})
        region = str(intent.get("region") or "") or None
        check = _EFFECT_CHECKS.get(api)
        if check is None:
            return None
        try:
            return check(self, args, region)
        except ClientError as exc:
            raise RemediationError(f"checking {api} failed: {error_message(exc)}") from exc

    def change_in_effect(
        self, remediation: str, params: dict[str, Any], calls: list[dict[str, Any]]
    ) -> bool:
        """Whether the whole approved change holds in AWS now (judged by the calls that make it).

        ``calls`` are the journalled intents and results: an access key is only known by id once
        the apply resolved it, so a key change with no UpdateAccessKey in the journal never ran.
        """
        finals = self._final_calls(remediation, params, calls)
        return bool(finals) and all(self.took_effect(final) for final in finals)

    def _final_calls(
        self, remediation: str, params: dict[str, Any], calls: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The calls whose effects together are the approved change (one per policy edited for
        a right-sizing, two for a policy swapped for its scoped copy)."""
        if remediation in RIGHTSIZE_STEP_BUILDERS:
            restore = remediation == RESTORE
            return rightsize_final_calls(self, params, restore=restore)
        final = self._final_call(remediation, params, calls)
        return [] if final is None else [final]

    def _final_call(
        self, remediation: str, params: dict[str, Any], calls: list[dict[str, Any]]
    ) -> dict[str, Any] | None:
        sent = [c for c in calls if not c.get("rollback")]
        kind, name = str(params.get("target_kind", "")), str(params.get("target_name", ""))
        if remediation in ("deactivate_access_key", "activate_access_key"):
            updates = [c for c in sent if c.get("api") == "UpdateAccessKey" and c.get("args")]
            return updates[-1] if updates else None
        if remediation == "attach_policy":
            arn = str(params.get("policy_arn") or "")
            if not arn:
                managed = str(params.get("managed_name") or "")
                arn = f"arn:{self.partition()}:iam::{self.account_id()}:policy/{managed}"
            api, arg = _kind_api(kind, "Attach")
            return {"api": api, "args": {arg: name, "PolicyArn": arn}}
        if remediation == "detach_policy":
            api, arg = _kind_api(kind, "Detach")
            return {"api": api, "args": {arg: name, "PolicyArn": str(params.get("policy_arn"))}}
        if remediation == "delete_login_profile":
            return {"api": "DeleteLoginProfile", "args": {"UserName": name}}
        if remediation in ("add_user_to_group", "remove_user_from_group"):
            api = "AddUserToGroup" if remediation == "add_user_to_group" else "RemoveUserFromGroup"
            return {"api": api, "args": {"UserName": name, "GroupName": str(params["group"])}}
        if remediation == "update_role_trust":
            document = json.dumps(params.get("document"))
            return {
                "api": "UpdateAssumeRolePolicy",
                "args": {"RoleName": name, "PolicyDocument": document},
            }
        if remediation in ("enable_access_analyzer", "delete_analyzer"):
            api = "CreateAnalyzer" if remediation == "enable_access_analyzer" else "DeleteAnalyzer"
            args = {"analyzerName": str(params["analyzer_name"])}
            return {"api": api, "region": str(params["region"]), "args": args}
        if remediation == "delete_server_certificate":
            args = {"ServerCertificateName": str(params["certificate"])}
            return {"api": "DeleteServerCertificate", "args": args}
        if remediation in ("archive_finding", "unarchive_finding"):
            status = "ARCHIVED" if remediation == "archive_finding" else "ACTIVE"
            args = {
                "analyzerArn": str(params["analyzer_arn"]),
                "ids": [str(params["finding_id"])],
                "status": status,
            }
            return {"api": "UpdateFindings", "region": str(params["region"]), "args": args}
        if remediation == "delete_policy":
            return {"api": "DeletePolicy", "args": {"PolicyArn": str(params["policy_arn"])}}
        raise RemediationError(f"no reconciliation for remediation {remediation!r}")

    def undo_of_partial(self, held: list[dict[str, Any]]) -> dict[str, Any] | None:
        """The change that reverses what a partly applied request left in IAM, when the bot can
        make it: a policy it created but never attached is deleted (delete_policy); a
        right-sizing's changed policies are restored (restore_rightsized_policies)."""
        created = [c for c in held if c.get("api") == "CreatePolicy" and c.get("args")]
        if len(created) != len(held) or len(created) != 1:
            return rightsize_undo_of_partial(held) if held else None
        name = str(created[0]["args"].get("PolicyName", ""))
        arn = f"arn:{self.partition()}:iam::{self.account_id()}:policy/{name}"
        return {"remediation": "delete_policy", "params": {"policy_arn": arn}}


def fingerprint(state: dict[str, Any]) -> str:
    canonical = json.dumps(state, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def explain_change(before: dict[str, Any], after: dict[str, Any]) -> str:
    """One sentence per part of the target that differs between request time and now."""
    parts = []
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            was, now = _short(before.get(key)), _short(after.get(key))
            parts.append(f"{key.replace('_', ' ')} was {was}, now {now}")
    return "; ".join(parts) or "its state differs"


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 200 else text[:197] + "..."


def _snake(api: str) -> str:
    out = []
    for i, ch in enumerate(api):
        if (
            ch.isupper()
            and i
            and (not api[i - 1].isupper() or (i + 1 < len(api) and api[i + 1].islower()))
        ):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


# --- step builders, one per remediation id --------------------------------------------------------

StepBuilder = Callable[
    [RemediationExecutor, dict[str, Any], ApplyContext, list[CallRecord]], list[_Step]
]


def _kind_api(kind: str, verb: str) -> tuple[str, str]:
    noun = {"user": "User", "group": "Group", "role": "Role"}[kind]
    return f"{verb}{noun}Policy", f"{noun}Name"


def _resolve_key(
    ex: RemediationExecutor, params: dict[str, Any], calls: list[CallRecord]
) -> tuple[str, str]:
    user = str(params["target_name"])
    response = ex.call(calls, "iam", "ListAccessKeys", UserName=user)
    keys = sorted(response.get("AccessKeyMetadata") or [], key=lambda k: k["CreateDate"])
    wanted = str(params.get("access_key_id") or "")
    if wanted:
        match = [k for k in keys if k["AccessKeyId"] == wanted]
    else:
        created = str(params.get("key_created") or "")
        match = [k for k in keys if created and _same_second(k["CreateDate"], created)]
        slot = params.get("key_slot")
        if not match and isinstance(slot, int) and 1 <= slot <= len(keys):
            match = [keys[slot - 1]]
    if not match:
        raise RemediationError(f"user {user} has no such access key any more")
    return match[0]["AccessKeyId"], match[0]["Status"]


def _same_second(value: datetime, text: str) -> bool:
    from bot.model.snapshot import parse_aws_time  # noqa: PLC0415

    other = parse_aws_time(text)
    return other is not None and abs((value - other).total_seconds()) < 1.5


def _key_steps(status: str) -> StepBuilder:
    def build(
        ex: RemediationExecutor, params: dict[str, Any], _ctx: ApplyContext, calls: list[CallRecord]
    ) -> list[_Step]:
        user = str(params["target_name"])
        found: dict[str, str] = {}

        def resolve() -> None:
            found["id"], found["status"] = _resolve_key(ex, params, calls)

        def update() -> None:
            ex.call(
                calls,
                "iam",
                "UpdateAccessKey",
                UserName=user,
                AccessKeyId=found["id"],
                Status=status,
                detail={"access_key_id": found["id"]},
            )

        def restore() -> None:
            ex.call(
                calls,
                "iam",
                "UpdateAccessKey",
                rollback=True,
                UserName=user,
                AccessKeyId=found["id"],
                Status=found["status"],
            )

        return [
            _Step("find the access key", resolve, changes=False),
            _Step(f"set the key {status}", update, restore),
        ]

    return build


def _login_steps(
    ex: RemediationExecutor, params: dict[str, Any], _ctx: ApplyContext, calls: list[CallRecord]
) -> list[_Step]:
    user = str(params["target_name"])
    return [
        _Step(
            "delete the console password",
            lambda: ex.call(calls, "iam", "DeleteLoginProfile", UserName=user),
        )
    ]


def _attach_steps(
    ex: RemediationExecutor, params: dict[str, Any], ctx: ApplyContext, calls: list[CallRecord]
) -> list[_Step]:
    kind, name = str(params["target_kind"]), str(params["target_name"])
    attach_api, arg = _kind_api(kind, "Attach")
    detach_api, _ = _kind_api(kind, "Detach")
    state: dict[str, Any] = {"arn": params.get("policy_arn") or "", "created": False}
    steps: list[_Step] = []
    managed = str(params.get("managed_name") or "")
    if managed and not state["arn"]:

        def create() -> None:
            arn = f"arn:{ex.partition()}:iam::{ex.account_id()}:policy/{managed}"
            try:
                ex.call(calls, "iam", "GetPolicy", PolicyArn=arn)
                state["arn"] = arn  # same name = same content (the name carries its hash)
                return
            except RemediationError as exc:
                cause = exc.__cause__
                if not (isinstance(cause, ClientError) and error_code(cause) == "NoSuchEntity"):
                    raise
            response = ex.call(
                calls,
                "iam",
                "CreatePolicy",
                PolicyName=managed,
                PolicyDocument=json.dumps(params["document"]),
                Description=f"Created by iam-audit for approval request {ctx.request_id}"[:1000],
                Tags=[
                    {"Key": TAG_REQUEST, "Value": ctx.request_id},
                    {"Key": TAG_REQUESTER, "Value": ctx.requester},
                    {"Key": TAG_APPROVER, "Value": ctx.approver},
                ],
            )
            state["arn"] = response["Policy"]["Arn"]
            state["created"] = True

        def delete() -> None:
            if state["created"]:
                ex.call(calls, "iam", "DeletePolicy", rollback=True, PolicyArn=state["arn"])

        steps.append(_Step(f"create policy {managed}", create, delete))

    def attach() -> None:
        ex.call(
            calls,
            "iam",
            attach_api,
            **{arg: name, "PolicyArn": state["arn"]},
            detail={"policy_arn": state["arn"]},
        )

    def detach() -> None:
        ex.call(calls, "iam", detach_api, rollback=True, **{arg: name, "PolicyArn": state["arn"]})

    steps.append(_Step(f"attach it to {kind} {name}", attach, detach))
    return steps


def _reversible(
    ex: RemediationExecutor,
    calls: list[CallRecord],
    name: str,
    apis: tuple[str, str],
    **arguments: Any,
) -> _Step:
    """A step of one IAM call whose rollback is its inverse call with the same arguments
    (``apis`` = (do, undo), e.g. DetachUserPolicy then AttachUserPolicy)."""
    do_api, undo_api = apis
    return _Step(
        name,
        lambda: ex.call(calls, "iam", do_api, **arguments),
        lambda: ex.call(calls, "iam", undo_api, rollback=True, **arguments),
    )


def _detach_steps(
    ex: RemediationExecutor, params: dict[str, Any], _ctx: ApplyContext, calls: list[CallRecord]
) -> list[_Step]:
    kind, name = str(params["target_kind"]), str(params["target_name"])
    detach_api, arg = _kind_api(kind, "Detach")
    attach_api, _ = _kind_api(kind, "Attach")
    arn = str(params.get("policy_arn") or "")
    if not arn:
        raise RemediationError("the policy to detach is not known by ARN")
    return [
        _reversible(
            ex,
            calls,
            f"detach {arn} from {kind} {name}",
            (detach_api, attach_api),
            **{arg: name, "PolicyArn": arn},
        )
    ]


def _group_steps(add: bool) -> StepBuilder:
    def build(
        ex: RemediationExecutor, params: dict[str, Any], _ctx: ApplyContext, calls: list[CallRecord]
    ) -> list[_Step]:
        user, group = str(params["target_name"]), str(params["group"])
        do_api, undo_api = (
            ("AddUserToGroup", "RemoveUserFromGroup")
            if add
            else ("RemoveUserFromGroup", "AddUserToGroup")
        )
        return [
            _reversible(
                ex,
                calls,
                f"{'add' if add else 'remove'} {user} {'to' if add else 'from'} {group}",
                (do_api, undo_api),
                GroupName=group,
                UserName=user,
            )
        ]

    return build


def _trust_steps(
    ex: RemediationExecutor, params: dict[str, Any], _ctx: ApplyContext, calls: list[CallRecord]
) -> list[_Step]:
    role = str(params["target_name"])
    saved: dict[str, Any] = {}

    def update() -> None:
        current = ex.call(calls, "iam", "GetRole", RoleName=role)["Role"].get(
            "AssumeRolePolicyDocument"
        )
        saved["old"] = json.loads(unquote(current)) if isinstance(current, str) else current
        ex.call(
            calls,
            "iam",
            "UpdateAssumeRolePolicy",
            RoleName=role,
            PolicyDocument=json.dumps(params["document"]),
        )

    def restore() -> None:
        ex.call(
            calls,
            "iam",
            "UpdateAssumeRolePolicy",
            rollback=True,
            RoleName=role,
            PolicyDocument=json.dumps(saved["old"]),
        )

    return [_Step(f"replace the trust policy of {role}", update, restore)]


def _analyzer_steps(create: bool) -> StepBuilder:
    def build(
        ex: RemediationExecutor, params: dict[str, Any], ctx: ApplyContext, calls: list[CallRecord]
    ) -> list[_Step]:
        region, name, kind = (
            str(params["region"]),
            str(params["analyzer_name"]),
            str(params["analyzer_type"]),
        )

        def do_create() -> None:
            ex.call(
                calls,
                "accessanalyzer",
                "CreateAnalyzer",
                region=region,
                analyzerName=name,
                type=kind,
                tags={
                    TAG_REQUEST: ctx.request_id,
                    TAG_REQUESTER: ctx.requester,
                    TAG_APPROVER: ctx.approver,
                },
            )

        def do_delete(rollback: bool = False) -> None:
            ex.call(
                calls,
                "accessanalyzer",
                "DeleteAnalyzer",
                region=region,
                rollback=rollback,
                analyzerName=name,
            )

        if create:
            return [
                _Step(f"create analyzer {name} in {region}", do_create, lambda: do_delete(True))
            ]
        return [_Step(f"delete analyzer {name} in {region}", do_delete)]

    return build


def _finding_status_steps(status: str, previous: str) -> StepBuilder:
    def build(
        ex: RemediationExecutor, params: dict[str, Any], ctx: ApplyContext, calls: list[CallRecord]
    ) -> list[_Step]:
        region, analyzer_arn, finding_id = (
            str(params["region"]),
            str(params["analyzer_arn"]),
            str(params["finding_id"]),
        )

        def update(to: str, rollback: bool = False) -> None:
            ex.call(
                calls,
                "accessanalyzer",
                "UpdateFindings",
                region=region,
                rollback=rollback,
                analyzerArn=analyzer_arn,
                ids=[finding_id],
                status=to,
                # One token per request and status: a retried call is not applied twice.
                clientToken=f"iam-audit-{ctx.request_id}-{to.lower()}{'-rb' if rollback else ''}",
                detail={"finding_id": finding_id, "status": to, "reason": params.get("reason")},
            )

        return [
            _Step(
                f"set finding {finding_id} {status}",
                lambda: update(status),
                lambda: update(previous, rollback=True),
            )
        ]

    return build


def _cert_steps(
    ex: RemediationExecutor, params: dict[str, Any], _ctx: ApplyContext, calls: list[CallRecord]
) -> list[_Step]:
    name = str(params["certificate"])
    return [
        _Step(
            f"delete server certificate {name}",
            lambda: ex.call(calls, "iam", "DeleteServerCertificate", ServerCertificateName=name),
        )
    ]


# --- effect checks for reconciliation: one read per mutating API --------------------------------

EffectCheck = Callable[[RemediationExecutor, dict[str, Any], str | None], bool]


def _attached_check(kind: str, attached: bool) -> EffectCheck:
    api, arg = _kind_api(kind, "ListAttached")
    api = api.replace("Policy", "Policies")  # ListAttachedUserPolicies ...

    def check(ex: RemediationExecutor, args: dict[str, Any], _region: str | None) -> bool:
        found = _listing(ex, api, "AttachedPolicies", **{arg: args[arg]})
        present = any(p["PolicyArn"] == args["PolicyArn"] for p in found)
        return present is attached

    return check


def _listing(ex: RemediationExecutor, api: str, key: str, **kwargs: Any) -> list[Any]:
    """An IAM listing for an effect check; a target that no longer exists lists nothing."""
    try:
        return ex._pages(ex._client("iam"), api, key, **kwargs)
    except ClientError as exc:
        if error_code(exc) == "NoSuchEntity":
            return []
        raise


def _absent_check(api: str, arg: str) -> EffectCheck:
    def check(ex: RemediationExecutor, args: dict[str, Any], _region: str | None) -> bool:
        return ex._read(ex._client("iam"), api, **{arg: args[arg]}) is None

    return check


def _present_policy(ex: RemediationExecutor, args: dict[str, Any], _region: str | None) -> bool:
    arn = f"arn:{ex.partition()}:iam::{ex.account_id()}:policy/{args['PolicyName']}"
    return ex._read(ex._client("iam"), "GetPolicy", PolicyArn=arn) is not None


def _key_status(ex: RemediationExecutor, args: dict[str, Any], _region: str | None) -> bool:
    keys = _listing(ex, "ListAccessKeys", "AccessKeyMetadata", UserName=args["UserName"])
    return any(
        k["AccessKeyId"] == args["AccessKeyId"] and k["Status"] == args["Status"] for k in keys
    )


def _member_check(member: bool) -> EffectCheck:
    def check(ex: RemediationExecutor, args: dict[str, Any], _region: str | None) -> bool:
        groups = _listing(ex, "ListGroupsForUser", "Groups", UserName=args["UserName"])
        return any(g["GroupName"] == args["GroupName"] for g in groups) is member

    return check


def _trust_check(ex: RemediationExecutor, args: dict[str, Any], _region: str | None) -> bool:
    found = ex._read(ex._client("iam"), "GetRole", RoleName=args["RoleName"])
    if found is None:
        return False
    trust = found["Role"].get("AssumeRolePolicyDocument") or {}
    if isinstance(trust, str):
        trust = json.loads(unquote(trust))
    return bool(trust == json.loads(args["PolicyDocument"]))


def _analyzer_check(exists: bool) -> EffectCheck:
    def check(ex: RemediationExecutor, args: dict[str, Any], region: str | None) -> bool:
        client = ex._client("accessanalyzer", region)
        found = ex._call(None, client, "ListAnalyzers").get("analyzers") or []
        return any(a.get("name") == args["analyzerName"] for a in found) is exists

    return check


def _finding_check(ex: RemediationExecutor, args: dict[str, Any], region: str | None) -> bool:
    client = ex._client("accessanalyzer", region)
    ids = list(args.get("ids") or [])
    for finding_id in ids:
        found = ex._call(
            None, client, "GetFindingV2", analyzerArn=args["analyzerArn"], id=finding_id
        )
        if found.get("status") != args["status"]:
            return False
    return bool(ids)


def _default_version(ex: RemediationExecutor, arn: str) -> dict[str, Any] | None:
    iam = ex._client("iam")
    policy = ex._read(iam, "GetPolicy", PolicyArn=arn)
    if policy is None:
        return None
    version = policy["Policy"].get("DefaultVersionId")
    found = ex._read(iam, "GetPolicyVersion", PolicyArn=arn, VersionId=version)
    return None if found is None else found["PolicyVersion"]


def _new_default_check(ex: RemediationExecutor, args: dict[str, Any], _region: str | None) -> bool:
    """CreatePolicyVersion (the apply always sets it default): the default holds its document."""
    default = _default_version(ex, args["PolicyArn"])
    wanted = json.loads(args["PolicyDocument"])
    return default is not None and iam_document(default.get("Document")) == wanted


def _default_is_check(ex: RemediationExecutor, args: dict[str, Any], _region: str | None) -> bool:
    found = ex._read(ex._client("iam"), "GetPolicy", PolicyArn=args["PolicyArn"])
    return found is not None and found["Policy"].get("DefaultVersionId") == args["VersionId"]


def _version_gone(ex: RemediationExecutor, args: dict[str, Any], _region: str | None) -> bool:
    arguments = {"PolicyArn": args["PolicyArn"], "VersionId": args["VersionId"]}
    return ex._read(ex._client("iam"), "GetPolicyVersion", **arguments) is None


def _inline_check(kind: str, present: bool) -> EffectCheck:
    """Put*Policy: the inline policy holds the document sent; Delete*Policy: it is gone."""
    api, arg = _kind_api(kind, "Get")

    def check(ex: RemediationExecutor, args: dict[str, Any], _region: str | None) -> bool:
        owner = {arg: args[arg], "PolicyName": args["PolicyName"]}
        found = ex._read(ex._client("iam"), api, **owner)
        if not present:
            return found is None
        wanted = json.loads(args["PolicyDocument"])
        return found is not None and iam_document(found.get("PolicyDocument")) == wanted

    return check


_EFFECT_CHECKS: dict[str, EffectCheck] = {
    **{
        f"Attach{n}Policy": _attached_check(k, True)
        for k, n in (("user", "User"), ("group", "Group"), ("role", "Role"))
    },
    **{
        f"Detach{n}Policy": _attached_check(k, False)
        for k, n in (("user", "User"), ("group", "Group"), ("role", "Role"))
    },
    **{
        f"{verb}{n}Policy": _inline_check(k, verb == "Put")
        for k, n in (("user", "User"), ("group", "Group"), ("role", "Role"))
        for verb in ("Put", "Delete")
    },
    "CreatePolicyVersion": _new_default_check,
    "SetDefaultPolicyVersion": _default_is_check,
    "DeletePolicyVersion": _version_gone,
    "CreatePolicy": _present_policy,
    "DeletePolicy": lambda ex, args, _r: (
        ex._read(ex._client("iam"), "GetPolicy", PolicyArn=args["PolicyArn"]) is None
    ),
    "UpdateAccessKey": _key_status,
    "DeleteLoginProfile": _absent_check("GetLoginProfile", "UserName"),
    "AddUserToGroup": _member_check(True),
    "RemoveUserFromGroup": _member_check(False),
    "UpdateAssumeRolePolicy": _trust_check,
    "CreateAnalyzer": _analyzer_check(True),
    "DeleteAnalyzer": _analyzer_check(False),
    "UpdateFindings": _finding_check,
    "DeleteServerCertificate": _absent_check("GetServerCertificate", "ServerCertificateName"),
}


def _delete_policy_steps(
    ex: RemediationExecutor, params: dict[str, Any], _ctx: ApplyContext, calls: list[CallRecord]
) -> list[_Step]:
    arn = str(params["policy_arn"])
    return [
        _Step(
            f"delete policy {arn}",
            lambda: ex.call(
                calls, "iam", "DeletePolicy", PolicyArn=arn, detail={"policy_arn": arn}
            ),
        )
    ]


_BUILDERS: dict[str, StepBuilder] = {
    "deactivate_access_key": _key_steps("Inactive"),
    "activate_access_key": _key_steps("Active"),
    "delete_login_profile": _login_steps,
    "attach_policy": _attach_steps,
    "detach_policy": _detach_steps,
    "remove_user_from_group": _group_steps(add=False),
    "add_user_to_group": _group_steps(add=True),
    "update_role_trust": _trust_steps,
    "enable_access_analyzer": _analyzer_steps(create=True),
    "delete_analyzer": _analyzer_steps(create=False),
    "delete_server_certificate": _cert_steps,
    "delete_policy": _delete_policy_steps,
    "archive_finding": _finding_status_steps("ARCHIVED", previous="ACTIVE"),
    "unarchive_finding": _finding_status_steps("ACTIVE", previous="ARCHIVED"),
    **RIGHTSIZE_STEP_BUILDERS,
}


def implemented_remediations() -> frozenset[str]:
    return frozenset(_BUILDERS)
