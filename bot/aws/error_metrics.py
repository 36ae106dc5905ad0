"""Count AWS error answers for the metrics endpoint, through botocore's event system.

The handler joins botocore's built-in handler list, so every client created afterwards (the
collector's, the remediation executor's, the Organizations fan-out's) reports its error answers
without any of them knowing about metrics. Retried errors count each time AWS answers with one:
throttling shows up as it happens.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import botocore.handlers

ErrorSink = Callable[[str, str], None]  # (service, error code)

_EVENT = "after-call.*.*"


class _AwsErrorHandler:
    def __init__(self, sink: ErrorSink) -> None:
        self.sink = sink

    def __call__(self, *, parsed: Any = None, model: Any = None, **_: Any) -> None:
        error = (parsed or {}).get("Error") if isinstance(parsed, dict) else None
        if not error or model is None:
            return
        self.sink(model.service_model.signing_name, str(error.get("Code") or "unknown"))


_installed: _AwsErrorHandler | None = None


def install_aws_error_counter(sink: ErrorSink) -> None:
    """Send (service, code) of every AWS error answer to ``sink``; a second call swaps the sink."""
    global _installed  # noqa: PLW0603 - botocore's handler list is process-wide too
    if _installed is not None:
        _installed.sink = sink
        return
    _installed = _AwsErrorHandler(sink)
    botocore.handlers.BUILTIN_HANDLERS.append((_EVENT, _installed))
