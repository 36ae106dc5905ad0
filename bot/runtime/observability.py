"""Operations: structured JSON logs with secrets masked, and Prometheus metrics.

Logs: ``--log-format json`` / IAM_AUDIT_LOG_FORMAT=json writes one JSON object per line (time,
level, logger, message, extra fields, exception). Our handler has the redaction filter and its
formatters mask the final text too (tracebacks are formatted after filters run), so a Slack
token, an AWS key or a Redis password never reaches a log line, whichever library logged it.

Metrics (prometheus_client, one registry per process so tests stay independent): audits run and
their outcome, audit durations, findings by severity, Slack errors, AWS errors, queued jobs.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.model.errors import StoreError

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

# prometheus_client and http.server are imported where metrics and the ops port are made: the
# CLI imports this module for its log redaction only, and they are a tenth of its start-up.

MASK = "***"

# Each pattern keeps a recognisable prefix and masks the rest, so a log still says *what* leaked.
_SECRET_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Slack bot / user / client (xoxc) / app-level / refresh tokens.
    (re.compile(r"\b(xox[abceoprs]|xapp)-[A-Za-z0-9-]+"), rf"\1-{MASK}"),
    # AWS access key ids (long-term AKIA, temporary ASIA, and the other documented prefixes).
    (
        re.compile(
            r"\b((?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|ABIA|ACCA)[A-Z0-9]{4})[A-Z0-9]{12}\b"
        ),
        rf"\1{MASK}",
    ),
    # key=value / "key": "value" pairs whose key says secret, token, password or signature.
    (
        re.compile(
            r"(?i)((?:aws_)?(?:secret(?:_access)?_key|session_token|secret|token|password|passwd"
            r"|signing_secret|signature|authorization|credentials?)[\"']?\s*[:=]\s*[\"']?)"
            r"(?:Bearer\s+)?([^\s\"',;&}]{4,})"
        ),
        rf"\1{MASK}",
    ),
    # Authorization: Bearer <anything>
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"), rf"\1{MASK}"),
    # Slack webhook URLs: a command's response_url (hooks.slack.com/actions/...) lets whoever
    # holds it post into that channel; incoming webhooks (/services/...) and workflow triggers
    # likewise. slack_sdk logs the URL of every webhook call at DEBUG.
    (
        re.compile(r"(?i)(https?://hooks\.slack(?:-gov)?\.com/[a-z]+/)[^\s\"'<>,\\]+"),
        rf"\1{MASK}",
    ),
    # Passwords embedded in URLs (redis://:pw@host, https://user:pw@host).
    (re.compile(r"(//[^/\s:@]*:)[^@\s/]+@"), rf"\1{MASK}@"),
    # A bare 40-character AWS secret access key (base64 alphabet, mixed case and a digit or /+).
    (
        re.compile(
            r"(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]*[a-z])(?=[A-Za-z0-9/+]*[A-Z])"
            r"(?=[A-Za-z0-9/+]*[0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"
        ),
        MASK,
    ),
)


def redact(text: str) -> str:
    """``text`` with every configured secret and every secret-looking value masked."""
    for secret in _KNOWN_SECRETS:
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


# Values known to be secret, masked wherever they appear: the patterns above recognise a secret
# by its shape or its label, and a signing secret (32 hex digits) or a Redis password quoted bare
# has neither. Longest first, so a secret containing another is masked whole.
_KNOWN_SECRETS: list[str] = []
_SHORTEST_SECRET = 12  # shorter values (a weak Redis password) could mask ordinary words
_SECRET_VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
)


def register_secrets(*values: str | None) -> None:
    """Mask these exact values in every log line from now on (the process's configured tokens,
    signing secret and passwords)."""
    for value in values:
        secret = (value or "").strip()
        if len(secret) >= _SHORTEST_SECRET and secret not in _KNOWN_SECRETS:
            _KNOWN_SECRETS.append(secret)
    _KNOWN_SECRETS.sort(key=len, reverse=True)


def register_environment_secrets(env: Mapping[str, str]) -> None:
    """The secrets a process finds in its environment: Slack's and AWS's variables, and the
    password of REDIS_URL."""
    register_secrets(
        *(env.get(name) for name in _SECRET_VARIABLES), url_password(env.get("REDIS_URL"))
    )


def url_password(url: str | None) -> str | None:
    """The password a URL embeds (``redis://:secret@host``), if any."""
    try:
        return urlsplit(url or "").password
    except ValueError:  # a malformed URL is reported elsewhere; its text is still pattern-masked
        return None


class RedactSecrets(logging.Filter):
    """Masks secrets in the message and in extra string fields of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad %-format; keep the raw text, still masked
            message = str(record.msg)
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_FIELDS and isinstance(value, str):
                setattr(record, key, redact(value))
        return True


_STANDARD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line; extra fields (log.info(..., extra={...})) are kept."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_FIELDS and key not in entry:
                entry[key] = value if _json_safe(value) else repr(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = record.stack_info
        return redact(json.dumps(entry, ensure_ascii=False, default=str))


class RedactingTextFormatter(logging.Formatter):
    """The usual text format, masked after formatting (tracebacks included)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def _json_safe(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | type(None) | list | dict)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _StderrHandler(logging.StreamHandler):
    """Writes to the current sys.stderr (test capture swaps it); marks the handler as ours."""

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def make_handler(log_format: str = "text") -> logging.Handler:
    if log_format not in ("text", "json"):
        raise ValueError(f"log format must be 'text' or 'json', got {log_format!r}")
    handler = _StderrHandler()
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else RedactingTextFormatter(TEXT_FORMAT)
    )
    handler.addFilter(RedactSecrets())
    return handler


def configure_logging(level_name: str = "INFO", *, log_format: str = "text") -> logging.Handler:
    """Install our masked stderr handler on the root logger, replacing a previous one of ours."""
    level = logging.getLevelName(str(level_name).strip().upper())
    root = logging.getLogger()
    for existing in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(existing)
    handler = make_handler(log_format.strip().lower())
    register_environment_secrets(os.environ)
    root.addHandler(handler)
    root.setLevel(level if isinstance(level, int) else logging.INFO)
    # botocore's DEBUG logs print request headers and bodies; they stay at INFO at most.
    for noisy in ("botocore", "boto3", "urllib3"):
        logging.getLogger(noisy).setLevel(max(root.level, logging.INFO))
    return handler


# --- metrics --------------------------------------------------------------------------------------

DURATION_BUCKETS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800)


# Distinct AWS error codes kept as labels per service; codes past them are counted as "other".
AWS_ERROR_CODES_KEPT = 64
_AWS_LABEL = re.compile(r"[A-Za-z][A-Za-z0-9._:-]{0,63}")


class Metrics:
    """The bot's Prometheus metrics on a registry of its own."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        from prometheus_client import (  # noqa: PLC0415 - see the imports above
            CollectorRegistry,
            Counter,
            Gauge,
            Histogram,
        )

        self.registry = registry or CollectorRegistry()
        self.audits = Counter(
            "iam_audit_audits",
            "Audits run, by where they ran and how they ended.",
            ["mode", "outcome"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "iam_audit_audit_duration_seconds",
            "Time from the start of collection to the finished report.",
            ["mode"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.findings = Counter(
            "iam_audit_findings",
            "Findings reported by audits, by severity (muted findings excluded).",
            ["severity"],
            registry=self.registry,
        )
        self.latest_findings = Gauge(
            "iam_audit_latest_findings",
            "Findings of the latest audit of each account, by severity.",
            ["account", "severity"],
            registry=self.registry,
        )
        self.slack_errors = Counter(
            "iam_audit_slack_errors",
            "Slack API calls that failed after retries (and rate-limit waits).",
            ["kind"],
            registry=self.registry,
        )
        self.aws_errors = Counter(
            "iam_audit_aws_errors",
            "AWS API calls answered with an error, by service and error code.",
            ["service", "code"],
            registry=self.registry,
        )
        self._aws_codes: dict[str, set[str]] = {}
        self.queued = Gauge(
            "iam_audit_queued_audits",
            "Audit jobs waiting for a worker (RQ mode).",
            registry=self.registry,
        )

    def observe_audit(
        self,
        *,
        account: str,
        summary: dict[str, int],
        seconds: float | None,
        mode: str = "inline",
    ) -> None:
        self.audits.labels(mode=mode, outcome="ok").inc()
        if seconds is not None and seconds >= 0:
            self.duration.labels(mode=mode).observe(seconds)
        for severity, count in summary.items():
            self.findings.labels(severity=severity).inc(count)
            self.latest_findings.labels(account=account, severity=severity).set(count)

    def observe_failed_audit(self, *, mode: str = "inline") -> None:
        self.audits.labels(mode=mode, outcome="error").inc()

    def observe_aws_error(self, service: str, code: str) -> None:
        """Counted by service and error code; the code is what the endpoint answered (a proxy or
        an emulator may answer anything), so an odd one, or one past the first
        AWS_ERROR_CODES_KEPT of a service, is counted as "other": a label per answer would grow
        the bot's memory and the scrape without bound."""
        service = service if _AWS_LABEL.fullmatch(service or "") else "unknown"
        seen = self._aws_codes.setdefault(service, set())
        if not _AWS_LABEL.fullmatch(code or ""):
            code = "other"
        elif code not in seen:
            if len(seen) >= AWS_ERROR_CODES_KEPT:
                code = "other"
            else:
                seen.add(code)
        self.aws_errors.labels(service=service, code=code).inc()

    def observe_slack_error(self, kind: str = "api") -> None:
        self.slack_errors.labels(kind=kind).inc()

    def exposition(self, refresh: Iterable[Callable[[], None]] = ()) -> tuple[bytes, str]:
        """The text format Prometheus scrapes, and its content type."""
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest  # noqa: PLC0415

        for update in refresh:
            update()
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class SlackErrorCounter(logging.Handler):
    """Counts the Slack delivery layer's error records (it logs every failed call once)."""

    def __init__(self, metrics: Metrics, loggers: Iterable[str] = ("bot.slack", "slack_bolt")):
        super().__init__(level=logging.ERROR)
        self._metrics = metrics
        self._prefixes = tuple(loggers)

    def emit(self, record: logging.LogRecord) -> None:
        # Loggers check the level before calling handlers; a direct handle() call does not.
        if record.levelno >= self.level and record.name.startswith(self._prefixes):
            self._metrics.observe_slack_error(
                "rate_limited" if "rate" in record.getMessage().lower() else "api"
            )


def audit_seconds(report: Any) -> float | None:
    """Collection start to report: the snapshot's ``collected_at`` is when collection began."""
    started = getattr(report, "snapshot_collected_at", None)
    finished = getattr(report, "generated_at", None)
    if started is None or finished is None:
        return None
    return max(0.0, (finished - started).total_seconds())


# --- /healthz and /metrics over HTTP (Socket Mode has no HTTP server of its own) ----------

Health = Callable[[], tuple[bool, dict[str, Any]]]


OPS_CHANNEL_TIMEOUT_SECONDS = 10
OPS_CONNECTION_LIMIT = 50
OPS_THREADS = 2
OPS_MAX_HEADER_BYTES = 16 * 1024
OPS_MAX_BODY_BYTES = 1024  # GET only; nothing it could carry is read


class OpsHttpServer:
    """Serves GET /healthz and GET /metrics only (Socket Mode has no events endpoint); port 0
    picks a free port (tests).

    The events endpoint's server (bot.runtime.http_serving) with smaller limits: requests read
    whole before a thread sees them, idle connections closed after ``channel_timeout``, slow
    ones after ``request_deadline``, at most OPS_CONNECTION_LIMIT connections and OPS_THREADS
    requests at once, no request body. (http.server gave every connection a thread of its own
    with no timeout: connections that never finished their request line held a thread each.)
    """

    def __init__(
        self,
        *,
        host: str,
        port: int,
        health: Health,
        metrics: Callable[[], tuple[bytes, str]],
        channel_timeout: int = OPS_CHANNEL_TIMEOUT_SECONDS,
        request_deadline: float | None = None,
    ) -> None:
        from bot.runtime.http_serving import (  # noqa: PLC0415 - waitress only for the port
            REQUEST_DEADLINE_SECONDS,
            LimitedHttpServer,
        )

        self._server = LimitedHttpServer(
            _ops_wsgi(health, metrics),
            name="ops-http",
            host=host,
            port=port,
            threads=OPS_THREADS,
            channel_timeout=channel_timeout,
            connection_limit=OPS_CONNECTION_LIMIT,
            max_body_bytes=OPS_MAX_BODY_BYTES,
            max_header_bytes=OPS_MAX_HEADER_BYTES,
            backlog=64,
            request_deadline=request_deadline or REQUEST_DEADLINE_SECONDS,
        )

    @property
    def port(self) -> int:
        return self._server.port

    def start_background(self) -> threading.Thread:
        return self._server.start_background()

    def shutdown(self) -> None:
        self._server.shutdown()


def _ops_wsgi(health: Health, metrics: Callable[[], tuple[bytes, str]]):
    from bot.runtime.http_serving import operations_answer, send  # noqa: PLC0415

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        answer = operations_answer(
            environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""), health, metrics
        )
        return send(
            start_response, *(answer or (404, b'{"error": "not found"}', "application/json"))
        )

    return app


def instrument_services(services: Any, metrics: Metrics | None = None) -> Metrics:
    """Feed the metrics from a running bot: audits, AWS error answers, Slack failures.

    ``services`` is bot.runtime.services.Services (typed loosely: this module must not pull in
    Slack).
    """
    from bot.aws.error_metrics import install_aws_error_counter  # noqa: PLC0415

    metrics = metrics or Metrics()
    install_aws_error_counter(metrics.observe_aws_error)
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, SlackErrorCounter)]:
        root.removeHandler(old)
    root.addHandler(SlackErrorCounter(metrics))

    def after_audit(result: Any) -> None:
        if getattr(result, "reused", False):
            return  # another replica's audit: it counted it
        report = result.report
        metrics.observe_audit(
            account=report.account_id, summary=report.summary(), seconds=audit_seconds(report)
        )

    services.audits.add_after_audit(after_audit)
    return metrics


@dataclass
class OperationsRuntime:
    """What `iam-audit serve` runs for operations: metrics, and in Socket Mode its HTTP port."""

    metrics: Metrics | None
    refresh: list[Callable[[], None]] = field(default_factory=list)
    server: OpsHttpServer | None = None

    @property
    def exposition(self) -> Callable[[], tuple[bytes, str]] | None:
        if self.metrics is None:
            return None
        metrics = self.metrics
        return lambda: metrics.exposition(self.refresh)

    def shutdown(self) -> None:
        if self.server is not None:
            self.server.shutdown()


def start_operations(
    services: Any,
    settings: Any,
    *,
    host: str,
    health: Health,
    serve_http: bool,
) -> OperationsRuntime:
    """Log format, metrics, and (when the bot has no HTTP server: Socket Mode) /healthz+/metrics.

    ``settings`` is bot.config.settings.Settings; ``serve_http`` says whether this process must
    open the
    port itself. A JSON log format replaces the plain stderr handlers installed at start.
    """
    options = settings.operations
    if options.log_format == "json":
        root = logging.getLogger()
        for handler in list(root.handlers):
            if type(handler) is logging.StreamHandler:  # basicConfig's, not pytest's or ours
                root.removeHandler(handler)
        configure_logging(logging.getLevelName(root.level), log_format="json")
    runtime = OperationsRuntime(instrument_services(services) if options.metrics else None)
    if runtime.metrics is not None and options.queued:
        from bot.runs.queue import AuditQueue  # noqa: PLC0415 - rq only in queue mode

        queue = AuditQueue(settings.redis_url)
        gauge = runtime.metrics.queued

        def count_queued() -> None:
            try:
                gauge.set(queue.pending())
            except StoreError as exc:  # a scrape must still answer; the gauge keeps its value
                logging.getLogger(__name__).warning("queued audits unknown: %s", exc)

        runtime.refresh.append(count_queued)
    if serve_http:
        runtime.server = OpsHttpServer(
            host=host,
            port=settings.port,
            health=health,
            metrics=runtime.exposition or (lambda: (b"", "text/plain")),
        )
        runtime.server.start_background()
    return runtime
