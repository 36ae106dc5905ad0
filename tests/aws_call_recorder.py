"""Record every AWS API call the bot's own code makes, through botocore's event system.

The recorder sits in botocore's built-in handler list, so every botocore session created after it
is installed (boto3 sessions, moto-backed or Stubber-backed clients) reports each call on its
``before-call`` event. Only clients the bot builds are recorded: ``bot.aws.session.make_client``
adds the ``iam-audit/<version>`` user-agent suffix, and test set-up clients (``boto3.client("iam")``
creating users in moto) lack it, so they never count as calls the bot needs a permission for.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import botocore.handlers
import pytest

from bot.aws.session import USER_AGENT_SUFFIX

EVENT = "before-call.*.*"
PARAMS_EVENT = "before-parameter-build.*.*"
OPTION = "--record-aws-calls"


@dataclass(frozen=True)
class RecordedCall:
    """One call: the IAM service prefix (botocore signing name), the operation, its parameters."""

    service: str
    operation: str
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


class AwsCallRecorder:
    """Every (signing name, operation) pair made by the bot; thread-safe, cheap on every call.

    The API parameters are seen on ``before-parameter-build`` (before serialisation), the
    user agent only on ``before-call``; both fire on the calling thread, one after the other, so
    a thread-local carries the parameters across.
    """

    def __init__(self) -> None:
        self._calls: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._scopes: list[list[RecordedCall]] = []
        self._pending = threading.local()

    def remember_params(self, *, params: Any = None, model: Any = None, **_: Any) -> None:
        self._pending.call = (getattr(model, "name", ""), dict(params or {}))

    def __call__(self, *, model: Any = None, params: Any = None, **_: Any) -> None:
        if model is None or not _made_by_the_bot(params):
            return
        name, api_params = getattr(self._pending, "call", ("", {}))
        call = RecordedCall(
            model.service_model.signing_name,
            model.name,
            api_params if name == model.name else {},
        )
        with self._lock:
            self._calls.add((call.service, call.operation))
            for scope in self._scopes:
                scope.append(call)

    @property
    def calls(self) -> frozenset[tuple[str, str]]:
        with self._lock:
            return frozenset(self._calls)

    @contextmanager
    def scope(self) -> Iterator[list[RecordedCall]]:
        """Collect the calls made inside the ``with`` block only (the suite-wide set goes on)."""
        seen: list[RecordedCall] = []
        with self._lock:
            self._scopes.append(seen)
        try:
            yield seen
        finally:
            with self._lock:
                self._scopes.remove(seen)


def _made_by_the_bot(params: Any) -> bool:
    headers = (params or {}).get("headers") or {}
    agent = headers.get("User-Agent", "")
    if isinstance(agent, bytes):
        agent = agent.decode("utf-8", "replace")
    return USER_AGENT_SUFFIX in agent


RECORDER = AwsCallRecorder()

POLICY_DIR = Path(__file__).resolve().parents[1] / "policies" / "bot"
IDENTITY_POLICIES = ("audit-readonly", "remediation", "rightsize", "hub-organizations")

# Operations whose IAM action is not "<signingName>:<OperationName>".
ACTION_EXCEPTIONS: dict[tuple[str, str], str | None] = {
    # Answers who the caller is; AWS documents that it needs no permission and cannot be denied.
    ("sts", "GetCallerIdentity"): None,
    # The V2 APIs are authorized by the V1 actions (Access Analyzer's authorization reference).
    ("access-analyzer", "ListFindingsV2"): "access-analyzer:ListFindings",
    ("access-analyzer", "GetFindingV2"): "access-analyzer:GetFinding",
}


def iam_action(service: str, operation: str) -> str | None:
    """The IAM action that authorizes one API call (None: no permission is needed)."""
    return ACTION_EXCEPTIONS.get((service, operation), f"{service}:{operation}")


def granted_actions(names: tuple[str, ...] = IDENTITY_POLICIES) -> set[str]:
    """Every action an Allow statement of the shipped bot policies names."""
    actions: set[str] = set()
    for name in names:
        document = json.loads((POLICY_DIR / f"{name}.json").read_text(encoding="utf-8"))
        for statement in document["Statement"]:
            if statement["Effect"] == "Allow":
                value = statement["Action"]
                actions.update([value] if isinstance(value, str) else value)
    return actions


def calls_not_granted(calls: frozenset[tuple[str, str]]) -> list[str]:
    granted = granted_actions()
    return sorted(
        f"{service}:{operation}"
        for service, operation in calls
        if (action := iam_action(service, operation)) is not None and action not in granted
    )


def install(recorder: AwsCallRecorder = RECORDER) -> None:
    """Add the recorder to the handlers every new botocore session registers (idempotent)."""
    for entry in ((PARAMS_EVENT, recorder.remember_params), (EVENT, recorder)):
        if entry not in botocore.handlers.BUILTIN_HANDLERS:
            botocore.handlers.BUILTIN_HANDLERS.append(entry)


# --- pytest hooks (imported by tests/conftest.py) ---------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        OPTION,
        metavar="FILE",
        default=None,
        help="write every AWS call the bot's code made during the run to FILE (JSON)",
    )


def pytest_configure(config: pytest.Config) -> None:
    install()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write the calls when asked; fail the run when the code called something not granted.

    The policy test checks the calls recorded before it runs; this catches the tests after it.
    """
    path = session.config.getoption(OPTION, default=None)
    if path:
        rows = [{"service": s, "operation": o} for s, o in sorted(RECORDER.calls)]
        Path(path).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    missing = calls_not_granted(RECORDER.calls)
    if missing:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = (
            "the bot's code called AWS APIs that policies/bot/ does not grant: "
            + ", ".join(missing)
            + " (add them to the policies, see policies/bot/README.md)"
        )
        if reporter is not None:
            reporter.write_line(f"ERROR: {message}", red=True)
        if session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def aws_calls() -> Iterator[list[RecordedCall]]:
    """The calls the bot's code makes during one test, in order."""
    with RECORDER.scope() as seen:
        yield seen
