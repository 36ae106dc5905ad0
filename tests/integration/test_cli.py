"""`iam-audit` end to end through main(): formats, --output, exit codes and bad input."""

from __future__ import annotations

import csv
import importlib
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest

from bot import cli
from bot.audit import registry
from bot.audit.findings import Severity
from bot.audit.registry import CheckContext, CheckMeta, RegisteredCheck
from bot.clicmd._common import use_color
from bot.model.errors import CollectionError
from bot.model.snapshot import AccountSnapshot, CredentialReportRow, User

ACCOUNT = "123456789012"
PLANTED = "clitest.planted"


def planted_check(context: CheckContext) -> Iterator:
    """A test check: one finding per user tagged ``plant=<severity>`` (tests pick severities)."""
    for user in context.snapshot.users:
        plant = user.tags.get("plant")
        if plant:
            yield context.finding(
                user.arn,
                "AWS::IAM::User",
                f"{user.name} was planted with | pipes and `ticks`",
                {"plant": plant},
                severity=Severity.parse(plant),
            )


@pytest.fixture(autouse=True)
def planted_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    registry.all_checks()  # load the real families first so they are not re-registered later
    meta = CheckMeta(
        id=PLANTED,
        title="Planted problem",
        severity=Severity.MEDIUM,
        risk="A planted risk.",
        remediation="Remove the plant tag.",
        anchors=("CIS 9.9",),
        permissions=("iam:GetAccountAuthorizationDetails",),
        requires=("authorization_details",),
        family="clitest",
    )
    monkeypatch.setitem(registry._REGISTRY, PLANTED, RegisteredCheck(meta, planted_check))


def _user(name: str, plant: str | None = None) -> User:
    return User(
        name=name,
        arn=f"arn:aws:iam::{ACCOUNT}:user/{name}",
        create_date=datetime(2025, 1, 1, tzinfo=UTC),
        tags={"plant": plant} if plant else {},
    )


def write_snapshot(path: Path, *plants: tuple[str, str | None]) -> Path:
    users = tuple(_user(name, plant) for name, plant in plants)
    snapshot = AccountSnapshot(
        account_id=ACCOUNT,
        collected_at=datetime(2026, 11, 29, tzinfo=UTC),
        source="aws",
        users=users,
        credential_report=tuple(
            CredentialReportRow(user=u.name, arn=u.arn, user_creation_time="2025-01-01T00:00:00Z")
            for u in users
        ),
    )
    path.write_text(json.dumps(snapshot.to_dict()), encoding="utf-8")
    return path


@pytest.fixture
def snapshot_path(tmp_path: Path) -> Path:
    return write_snapshot(
        tmp_path / "snap.json", ("alice", "high"), ("bob", "low"), ("carol", None)
    )


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def audit(capsys, snapshot_path: Path, *extra: str) -> tuple[int, str, str]:
    return run_cli(capsys, "audit", "--snapshot", str(snapshot_path), "--checks", PLANTED, *extra)


def assert_one_line_error(code: int, out: str, err: str, *fragments: str) -> None:
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("iam-audit: error: ")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0]


# --- formats and output ---------------------------------------------------------------------


def test_text_to_stdout(capsys, snapshot_path: Path) -> None:
    code, out, err = audit(capsys, snapshot_path)
    assert code == 0
    assert err == ""
    assert f"iam-audit report for account {ACCOUNT}" in out
    assert f"[high] {PLANTED}  arn:aws:iam::{ACCOUNT}:user/alice" in out
    assert f"[low] {PLANTED}  arn:aws:iam::{ACCOUNT}:user/bob" in out
    assert "\x1b[" not in out  # captured stdout is not a terminal: no colour


def test_json(capsys, snapshot_path: Path) -> None:
    code, out, err = audit(capsys, snapshot_path, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["schema"] == "iam-audit/report/1"
    assert data["account_id"] == ACCOUNT
    assert data["checks"] == [PLANTED]
    assert [f["resource_arn"].rsplit("/", 1)[1] for f in data["findings"]] == ["alice", "bob"]
    assert err.startswith(f"iam-audit: report for account {ACCOUNT} written to standard output")


def test_markdown(capsys, snapshot_path: Path) -> None:
    code, out, _ = audit(capsys, snapshot_path, "--format", "markdown")
    assert code == 0
    assert "### High (1)" in out
    assert r"planted with \| pipes and \`ticks\`" in out


def test_sarif(capsys, snapshot_path: Path) -> None:
    code, out, _ = audit(capsys, snapshot_path, "--format", "sarif")
    assert code == 0
    log = json.loads(out)
    assert log["version"] == "2.1.0"
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == [PLANTED, PLANTED]


def test_sarif_artifact_option(capsys, snapshot_path: Path) -> None:
    code, out, _ = audit(capsys, snapshot_path, "-f", "sarif", "--sarif-artifact", "iam/gaad.json")
    assert code == 0
    results = json.loads(out)["runs"][0]["results"]
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "iam/gaad.json"
    )


def test_csv(capsys, snapshot_path: Path) -> None:
    code, out, _ = audit(capsys, snapshot_path, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["check_id"], r["severity"]) for r in rows] == [(PLANTED, "high"), (PLANTED, "low")]


def test_output_file(capsys, snapshot_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.sarif"
    code, out, err = audit(capsys, snapshot_path, "--format", "sarif", "--output", str(target))
    assert code == 0
    assert out == ""
    assert json.loads(target.read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert err.splitlines() == [
        f"iam-audit: report for account {ACCOUNT} written to {target}: 2 findings, 0 muted,"
        " 1 checks ran, 0 skipped, 0 errors"
    ]


def test_text_output_file_has_no_colour_even_when_forced_auto(capsys, snapshot_path, tmp_path):
    target = tmp_path / "report.txt"
    code, _, _ = audit(capsys, snapshot_path, "--output", str(target))
    assert code == 0
    assert "\x1b[" not in target.read_text(encoding="utf-8")


def test_colour_always(capsys, snapshot_path: Path) -> None:
    code, out, _ = audit(capsys, snapshot_path, "--color", "always")
    assert code == 0
    assert "\x1b[1;31m[high]" in out


# --- severities and exit codes --------------------------------------------------------------


@pytest.mark.parametrize(
    ("fail_on", "expected"),
    [("critical", 0), ("high", 1), ("medium", 1), ("low", 1), ("info", 1)],
)
def test_fail_on(capsys, snapshot_path: Path, fail_on: str, expected: int) -> None:
    code, _, _ = audit(capsys, snapshot_path, "--fail-on", fail_on)
    assert code == expected


def test_no_fail_on_means_exit_0_despite_findings(capsys, snapshot_path: Path) -> None:
    assert audit(capsys, snapshot_path)[0] == 0


def test_min_severity_hides_but_fail_on_still_sees_everything(capsys, snapshot_path) -> None:
    code, out, _ = audit(
        capsys, snapshot_path, "--min-severity", "high", "--fail-on", "low", "-f", "json"
    )
    assert code == 1
    data = json.loads(out)
    assert [f["severity"] for f in data["findings"]] == ["high"]


def test_min_severity_in_text(capsys, snapshot_path: Path) -> None:
    code, out, err = audit(capsys, snapshot_path, "--min-severity", "HIGH")
    assert code == 0
    assert "user/bob" not in out
    assert "showing only severity high and above (1 lower-severity finding not shown)" in out
    assert "Findings: 2 (0 critical, 1 high, 0 medium, 1 low, 0 info)" in out  # the whole audit
    assert err == ""


def test_muted_findings_do_not_fail_the_build(capsys, snapshot_path, tmp_path) -> None:
    config = tmp_path / "iam-audit.toml"
    config.write_text(
        "[[suppressions]]\n"
        f'check = "{PLANTED}"\n'
        f'resource = "arn:aws:iam::{ACCOUNT}:user/alice"\n'
        'reason = "break-glass user, reviewed quarterly"\n'
        'expires = "2099-01-01"\n',
        encoding="utf-8",
    )
    code, out, _ = audit(capsys, snapshot_path, "--config", str(config), "--fail-on", "high")
    assert code == 0
    assert "Muted findings (1)" in out
    assert "break-glass user, reviewed quarterly until 2099-01-01" in out


def test_an_expired_suppression_is_announced_and_mutes_nothing(
    capsys, snapshot_path, tmp_path
) -> None:
    config = tmp_path / "iam-audit.toml"
    config.write_text(
        "[[suppressions]]\n"
        f'check = "{PLANTED}"\n'
        f'resource = "arn:aws:iam::{ACCOUNT}:user/alice"\n'
        'reason = "accepted until the migration"\n'
        "expires = 2020-01-31\n",
        encoding="utf-8",
    )
    code, out, err = audit(capsys, snapshot_path, "--config", str(config), "--fail-on", "high")
    assert code == 1  # alice's high finding is back and fails the build
    assert "Muted findings" not in out
    assert err.splitlines() == [
        f"iam-audit: suppression of {PLANTED} on arn:aws:iam::{ACCOUNT}:user/alice expired on"
        " 2020-01-31 (accepted until the migration): its findings are reported again; renew or"
        f" remove it in {config}"
    ]


def test_a_suppression_that_mutes_nothing_is_pointed_out(capsys, snapshot_path, tmp_path) -> None:
    config = tmp_path / "iam-audit.toml"
    config.write_text(
        "[[suppressions]]\n"
        f'check = "{PLANTED}"\n'
        f'resource = "arn:aws:iam::{ACCOUNT}:user/alicia"\n'  # a typo: the user is alice
        'reason = "break-glass user"\n'
        "[[suppressions]]\n"
        f'check = "{PLANTED}"\n'
        f'resource = "arn:aws:iam::{ACCOUNT}:user/bob"\n'
        'reason = "accepted"\n'
        "[[suppressions]]\n"
        'check = "root.mfa_disabled"\n'  # did not run (--checks): nothing to say about it
        'resource = "*"\n'
        'reason = "managed centrally"\n',
        encoding="utf-8",
    )
    code, out, err = audit(capsys, snapshot_path, "--config", str(config), "--fail-on", "high")
    assert code == 1  # alice is not muted
    assert "Muted findings (1)" in out
    assert err.splitlines() == [
        f"iam-audit: suppression of {PLANTED} on arn:aws:iam::{ACCOUNT}:user/alicia muted nothing"
        " in this audit: the finding is gone (delete the rule) or the resource pattern does not"
        " match its ARN"
    ]


def test_severity_override_from_config(capsys, snapshot_path, tmp_path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[severity]\n"{PLANTED}" = "critical"\n', encoding="utf-8")
    code, out, _ = audit(
        capsys, snapshot_path, "--config", str(config), "--fail-on", "critical", "-f", "json"
    )
    assert code == 1
    assert {f["severity"] for f in json.loads(out)["findings"]} == {"critical"}


# --- bad usage and bad input: exit 2, one line, no traceback ------------------------------


def test_missing_snapshot_file(capsys, tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    code, out, err = run_cli(capsys, "audit", "--snapshot", str(missing))
    assert_one_line_error(code, out, err, "snapshot file not found", str(missing))


def test_invalid_json(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "iam-audit/snapshot/1",\n  oops}', encoding="utf-8")
    code, out, err = run_cli(capsys, "audit", "--snapshot", str(bad))
    assert_one_line_error(code, out, err, "is not valid JSON", "line 2 column 3")


def test_snapshot_of_the_wrong_shape(capsys, tmp_path: Path) -> None:
    for content, fragment in [
        ("[1, 2]", "must contain a JSON object, found a JSON array"),
        ('{"schema": "something/else"}', "not an iam-audit snapshot"),
        ('{"schema": "iam-audit/snapshot/1", "account_id": "1"}', "snapshot is malformed"),
    ]:
        path = tmp_path / "shape.json"
        path.write_text(content, encoding="utf-8")
        code, out, err = run_cli(capsys, "audit", "--snapshot", str(path))
        assert_one_line_error(code, out, err, fragment)


def test_gaad_of_the_wrong_shape(capsys, tmp_path: Path) -> None:
    for content, fragment in [
        ('{"Users": []}', "not an authorization-details document"),
        ('{"UserDetailList": {"a": 1}}', "UserDetailList must be a list"),
        ('"text"', "must contain a JSON object"),
    ]:
        path = tmp_path / "gaad.json"
        path.write_text(content, encoding="utf-8")
        code, out, err = run_cli(capsys, "audit", "--gaad", str(path))
        assert_one_line_error(code, out, err, fragment)


def test_unknown_check_id(capsys, snapshot_path: Path) -> None:
    code, out, err = run_cli(
        capsys, "audit", "--snapshot", str(snapshot_path), "--checks", f"{PLANTED},nope.nope"
    )
    assert_one_line_error(code, out, err, "unknown check id(s): nope.nope", "iam-audit checks")


def test_unknown_check_id_is_refused_before_any_collection(capsys, monkeypatch) -> None:
    def must_not_collect(**_kwargs):
        raise AssertionError("collected before validating --checks")

    monkeypatch.setattr("bot.clicmd.audit.live_snapshot", must_not_collect)
    code, out, err = run_cli(capsys, "audit", "--checks", "nope.nope")
    assert_one_line_error(code, out, err, "nope.nope")


def test_empty_checks_list(capsys, snapshot_path: Path) -> None:
    code, out, err = run_cli(capsys, "audit", "--snapshot", str(snapshot_path), "--checks", " , ")
    assert_one_line_error(code, out, err, "--checks needs at least one check id")


@pytest.mark.parametrize("option", ["--min-severity", "--fail-on"])
def test_unknown_severity(capsys, snapshot_path: Path, option: str) -> None:
    code, out, err = audit(capsys, snapshot_path, option, "severe")
    assert_one_line_error(code, out, err, "unknown severity 'severe'", "critical, high")


def test_unknown_format(capsys, snapshot_path: Path) -> None:
    code, out, err = audit(capsys, snapshot_path, "--format", "xml")
    assert_one_line_error(code, out, err, "invalid choice: 'xml'")


def test_two_sources_at_once(capsys, snapshot_path: Path) -> None:
    code, out, err = run_cli(capsys, "audit", "--demo", "--snapshot", str(snapshot_path))
    assert_one_line_error(code, out, err, "not allowed with argument")


def test_credential_report_needs_gaad(capsys, snapshot_path: Path) -> None:
    code, out, err = audit(capsys, snapshot_path, "--credential-report", "x.csv")
    assert_one_line_error(code, out, err, "--credential-report only applies together with --gaad")


def test_sarif_artifact_needs_sarif(capsys, snapshot_path: Path) -> None:
    code, out, err = audit(capsys, snapshot_path, "--sarif-artifact", "x")
    assert_one_line_error(code, out, err, "--sarif-artifact only applies to --format sarif")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("[thresholds\n", "is not valid TOML"),
        ("[thresholds]\ninactive_days = -1\n", "inactive_days must be a non-negative integer"),
        ('[severity]\n"nope.nope" = "high"\n', "unknown check id 'nope.nope'"),
        ('[[suppressions]]\ncheck = "user.*"\n', "'reason' is required"),
    ],
)
def test_bad_config_file(capsys, snapshot_path, tmp_path, content: str, fragment: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(content, encoding="utf-8")
    code, out, err = audit(capsys, snapshot_path, "--config", str(config))
    assert_one_line_error(code, out, err, fragment)


def test_missing_config_file(capsys, snapshot_path: Path, tmp_path: Path) -> None:
    code, out, err = audit(capsys, snapshot_path, "--config", str(tmp_path / "none.toml"))
    assert_one_line_error(code, out, err, "config file not found")


def test_output_into_a_missing_directory(capsys, snapshot_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "dir" / "r.json"
    code, out, err = audit(capsys, snapshot_path, "--output", str(target))
    assert_one_line_error(code, out, err, "its directory does not exist")


def test_credentials_problem_is_one_line(capsys, monkeypatch) -> None:
    def no_credentials(**_kwargs):
        raise CollectionError(
            "no AWS credentials found (set AWS_PROFILE, run `aws configure` or use --profile)"
        )

    monkeypatch.setattr("bot.clicmd.audit.live_snapshot", no_credentials)
    code, out, err = run_cli(capsys, "audit")
    assert_one_line_error(code, out, err, "no AWS credentials found")


def test_unexpected_error_is_one_line_with_exit_3(capsys, snapshot_path, monkeypatch) -> None:
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr("bot.clicmd.audit.run_audit", broken)
    code, out, err = audit(capsys, snapshot_path)
    assert code == 3
    assert out == ""
    assert err.splitlines() == [
        "iam-audit: error: unexpected RuntimeError: boom second line (run with -vv for the details)"
    ]


def test_no_subcommand(capsys) -> None:
    code, out, err = run_cli(capsys)
    assert_one_line_error(code, out, err, "required: COMMAND")


def test_unknown_subcommand(capsys) -> None:
    code, out, err = run_cli(capsys, "frobnicate")
    assert_one_line_error(code, out, err, "invalid choice: 'frobnicate'")


# --- help, version, logging -----------------------------------------------------------------


def test_help_and_version_exit_0(capsys) -> None:
    code, out, _ = run_cli(capsys, "--help")
    assert code == 0
    assert "audit" in out
    assert "checks" in out
    code, out, _ = run_cli(capsys, "--version")
    assert code == 0
    assert out.startswith("iam-audit ")


def test_verbose_logs_to_stderr_only(capsys, snapshot_path: Path) -> None:
    code, out, err = audit(capsys, snapshot_path, "-v", "-f", "json")
    assert code == 0
    json.loads(out)  # stdout is still only the report
    assert f"auditing snapshot file {snapshot_path}" in err


def test_verbose_before_the_subcommand(capsys, snapshot_path: Path) -> None:
    code = cli.main(["-v", "audit", "--snapshot", str(snapshot_path), "--checks", PLANTED])
    assert code == 0
    assert "INFO" in capsys.readouterr().err


# --- plumbing: subcommand discovery, colour decision, stdin, the real entry point ----------


def _package(tmp_path: Path, name: str, modules: dict[str, str]) -> ModuleType:
    root = tmp_path / name
    root.mkdir()
    (root / "__init__.py").write_text("", encoding="utf-8")
    for module, source in modules.items():
        (root / f"{module}.py").write_text(source, encoding="utf-8")
    return importlib.import_module(name)  # tmp_path is on sys.path (monkeypatch)


GOOD_COMMAND = """
NAME = "{name}"
HELP = "a test command"
def add_arguments(parser):
    parser.add_argument("--x", default="1")
def run(args):
    return int(args.x)
"""


def test_discovery_skips_helpers_and_survives_a_broken_module(tmp_path, monkeypatch, caplog):
    monkeypatch.syspath_prepend(str(tmp_path))
    package = _package(
        tmp_path,
        "clitest_plugins",
        {
            "alpha": GOOD_COMMAND.format(name="alpha"),
            "beta": GOOD_COMMAND.format(name="beta"),
            "_helpers": "raise RuntimeError('helpers are not commands')",
            "broken": "import no_such_module_anywhere",
            "incomplete": "NAME = 'incomplete'",
        },
    )
    commands = cli.discover_subcommands(package)
    assert [c.name for c in commands] == ["alpha", "beta"]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("clitest_plugins.broken is unavailable" in w for w in warnings)
    assert any("clitest_plugins.incomplete is unavailable" in w for w in warnings)
    parser = cli.build_parser(commands)
    args = parser.parse_args(["beta", "--x", "7"])
    assert args._run(args) == 7


def test_real_subcommands_are_all_discovered() -> None:
    names = {c.name for c in cli.discover_subcommands()}
    assert {"audit", "snapshot", "checks"} <= names


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.mark.parametrize(
    ("choice", "output", "tty", "env", "expected"),
    [
        ("auto", "-", True, {}, True),
        ("auto", "-", False, {}, False),
        ("auto", "report.txt", True, {}, False),
        ("auto", "-", True, {"NO_COLOR": "1"}, False),
        ("auto", "-", True, {"TERM": "dumb"}, False),
        ("always", "report.txt", False, {}, True),
        ("never", "-", True, {}, False),
    ],
)
def test_colour_decision(monkeypatch, choice, output, tty, env, expected) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert use_color(choice, output=output, stream=_Stream(tty)) is expected


def test_snapshot_from_standard_input(capsys, monkeypatch, snapshot_path: Path) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(snapshot_path.read_text(encoding="utf-8")))
    code, out, _ = run_cli(capsys, "audit", "--snapshot", "-", "--checks", PLANTED, "-f", "csv")
    assert code == 0
    assert len(out.splitlines()) == 3


def test_invalid_json_on_standard_input(capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("{nope"))
    code, out, err = run_cli(capsys, "audit", "--snapshot", "-")
    assert_one_line_error(code, out, err, "snapshot file standard input is not valid JSON")


def test_the_installed_entry_point_exits_2_with_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "audit", "--snapshot", str(missing)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == f"iam-audit: error: snapshot file not found: {missing}\n"
