"""More input a careless or hostile user can give the CLI: each case once ended in lost data, a
misleading answer or a hang. Bad input is exit 2 with one line naming it, and loses nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli

ALL_ON_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
POLICY = Path(__file__).resolve().parents[2] / "policies" / "mfa-self-service-enforce.json"
GAAD_SAMPLE = Path(__file__).resolve().parents[1] / "data" / "gaad_sample.json"
REPORT_SAMPLE = Path(__file__).resolve().parents[1] / "data" / "credential_report_sample.csv"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_exit_2(code: int, err: str, *words: str) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("iam-audit: error: ")
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], lines[0]


def copy(source: Path, target: Path) -> Path:
    target.write_bytes(source.read_bytes())
    return target


# --- an --output that is one of the command's inputs --------------------------------------


def test_lint_output_over_its_own_policy_file_is_refused_and_the_policy_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`lint p.json -o p.json` replaced the policy with the lint report."""
    policy = copy(POLICY, tmp_path / "p.json")
    before = policy.read_bytes()
    code, _, err = run(capsys, "lint", str(policy), "-o", str(policy))
    assert_one_line_exit_2(code, err, "p.json", "is an input of this command")
    assert policy.read_bytes() == before


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_audit_output_through_a_symlink_to_the_gaad_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], output_format: str
) -> None:
    gaad = copy(GAAD_SAMPLE, tmp_path / "gaad.json")
    link = tmp_path / "latest.json"
    link.symlink_to(gaad)
    before = gaad.read_bytes()
    code, _, err = run(capsys, "audit", "--gaad", str(gaad), "-f", output_format, "-o", str(link))
    assert_one_line_exit_2(code, err, "latest.json", "is an input of this command")
    assert gaad.read_bytes() == before
    assert link.is_symlink()


def test_audit_output_over_the_credential_report_or_a_hard_link_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gaad = copy(GAAD_SAMPLE, tmp_path / "gaad.json")
    report = copy(REPORT_SAMPLE, tmp_path / "report.csv")
    (tmp_path / "same.csv").hardlink_to(report)
    before = report.read_bytes()
    for target in (report, tmp_path / "same.csv"):
        code, _, err = run(
            capsys,
            "audit",
            "--gaad",
            str(gaad),
            "--credential-report",
            str(report),
            "-f",
            "csv",
            "-o",
            str(target),
        )
        assert_one_line_exit_2(code, err, "is an input of this command")
        assert report.read_bytes() == before


def test_audit_output_over_its_config_or_scps_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "iam-audit.toml"
    config.write_text("[thresholds]\n", encoding="utf-8")
    scps = tmp_path / "scps.json"
    scps.write_text(json.dumps([[ALL_ON_ALL]]), encoding="utf-8")
    for option, path in (("--config", config), ("--scps", scps)):
        before = path.read_bytes()
        code, _, err = run(
            capsys, "audit", "--gaad", str(GAAD_SAMPLE), option, str(path), "-o", str(path)
        )
        assert_one_line_exit_2(code, err, "is an input of this command")
        assert path.read_bytes() == before


def test_simulate_answers_over_the_requests_file_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requests = tmp_path / "requests.jsonl"
    line = {"policies": [ALL_ON_ALL], "action": "s3:GetObject", "resource": "*"}
    requests.write_text(json.dumps(line) + "\n", encoding="utf-8")
    before = requests.read_bytes()
    code, _, err = run(capsys, "simulate", "--requests", str(requests), "-o", str(requests))
    assert code == 2, err
    assert "is an input of this command" in err
    assert "Traceback" not in err
    assert requests.read_bytes() == before


def test_a_file_read_by_an_earlier_command_may_be_written_by_the_next(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The inputs are those of the running command only (main() called twice, as in tests)."""
    policy = copy(POLICY, tmp_path / "p.json")
    assert run(capsys, "lint", str(policy))[0] == 0
    code, _, err = run(capsys, "checks", "-o", str(policy))
    assert code == 0, err
    assert policy.read_text(encoding="utf-8").strip()


def test_an_empty_output_name_is_refused_as_such(capsys: pytest.CaptureFixture[str]) -> None:
    """`--output ''` said "cannot write .: it is a directory"."""
    code, _, err = run(capsys, "checks", "--output", "")
    assert_one_line_exit_2(code, err, "--output is empty")


# --- the same entity listed twice -------------------------------------------------------------


def gaad_of(**lists: list[dict]) -> dict:
    return {
        "UserDetailList": [],
        "GroupDetailList": [],
        "RoleDetailList": [],
        "Policies": [],
        **lists,
    }


ADMIN_USER = {
    "UserName": "x",
    "Arn": "arn:aws:iam::123456789012:user/x",
    "UserPolicyList": [{"PolicyName": "all", "PolicyDocument": ALL_ON_ALL}],
}
BARE_USER = {"UserName": "x", "Arn": "arn:aws:iam::123456789012:user/x"}
OPEN_ROLE = {
    "RoleName": "r",
    "Arn": "arn:aws:iam::123456789012:role/r",
    "AssumeRolePolicyDocument": {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}],
    },
}
EC2_ROLE = {
    **OPEN_ROLE,
    "AssumeRolePolicyDocument": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    },
}


@pytest.mark.parametrize(
    ("lists", "words"),
    [
        ({"UserDetailList": [ADMIN_USER, BARE_USER]}, ("UserDetailList[1]", "user 'x'")),
        ({"UserDetailList": [BARE_USER, ADMIN_USER]}, ("UserDetailList[1]", "UserDetailList[0]")),
        ({"RoleDetailList": [EC2_ROLE, OPEN_ROLE]}, ("RoleDetailList[1]", "role 'r'")),
    ],
)
def test_a_gaad_listing_an_entity_twice_with_other_content_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lists: dict, words: tuple[str, ...]
) -> None:
    """Which copy came last decided the report: the user's administrator finding (or the
    role's open trust) was silently lost in one order and reported in the other."""
    path = tmp_path / "gaad.json"
    path.write_text(json.dumps(gaad_of(**lists)), encoding="utf-8")
    code, out, err = run(capsys, "audit", "--gaad", str(path))
    assert_one_line_exit_2(code, err, "repeats", *words)
    assert out == ""


def test_an_exact_copy_of_a_gaad_entity_is_one_entity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "gaad.json"
    path.write_text(json.dumps(gaad_of(UserDetailList=[ADMIN_USER, ADMIN_USER])), encoding="utf-8")
    code, out, err = run(capsys, "audit", "--gaad", str(path), "-f", "json")
    assert code == 0, err
    admin = [
        f for f in json.loads(out)["findings"] if f["check_id"] == "principal.admin_equivalent"
    ]
    assert [f["resource_arn"] for f in admin] == ["arn:aws:iam::123456789012:user/x"]


def test_a_snapshot_listing_a_role_twice_with_other_content_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot = tmp_path / "snap.json"
    assert run(capsys, "snapshot", "--demo", "-o", str(snapshot))[0] == 0
    data = json.loads(snapshot.read_text(encoding="utf-8"))
    role = dict(data["roles"][0])
    role["trust_policy"] = {"Version": "2012-10-17", "Statement": []}
    data["roles"].append(role)
    snapshot.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = run(capsys, "audit", "--snapshot", str(snapshot))
    count = len(data["roles"]) - 1
    assert_one_line_exit_2(code, err, "snap.json", f"roles[{count}] repeats", "roles[0]")


def test_a_credential_report_with_two_different_rows_for_a_user_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each check read one of the rows: "MFA device active" and "No MFA device" in one report,
    and the admin-without-MFA finding came or went with the rows' order."""
    header, root, *rows = REPORT_SAMPLE.read_text(encoding="utf-8").splitlines()
    ana = next(row for row in rows if row.startswith("ana,"))
    columns = header.split(",")
    values = ana.split(",")
    values[columns.index("mfa_active")] = "true"
    report = tmp_path / "report.csv"
    lines = [header, root, *rows, ",".join(values)]
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run(
        capsys, "audit", "--gaad", str(GAAD_SAMPLE), "--credential-report", str(report)
    )
    assert_one_line_exit_2(code, err, "report.csv", f"line {len(lines)}", "user 'ana'", "repeats")
    assert out == ""


def test_an_exact_copy_of_a_credential_report_row_is_one_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = REPORT_SAMPLE.read_text(encoding="utf-8")
    report = tmp_path / "report.csv"
    report.write_text(text + text.splitlines()[2] + "\n", encoding="utf-8")
    runs = [
        run(
            capsys, "audit", "--gaad", str(GAAD_SAMPLE), "--credential-report", str(r), "-f", "json"
        )
        for r in (REPORT_SAMPLE, report)
    ]
    assert [code for code, _, _ in runs] == [0, 0]
    findings = [json.loads(out)["findings"] for _, out, _ in runs]
    assert findings[0] == findings[1]


# --- wildcard patterns that backtrack ---------------------------------------------------------

STARS = "*" * 3000 + "x"


def _stars_in_an_inline_action(tmp_path: Path) -> list[str]:
    user = {
        **BARE_USER,
        "UserPolicyList": [
            {
                "PolicyName": "p",
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": STARS, "Resource": "*"}],
                },
            }
        ],
    }
    path = tmp_path / "gaad.json"
    path.write_text(json.dumps(gaad_of(UserDetailList=[user])), encoding="utf-8")
    return ["audit", "--gaad", str(path)]


def _stars_in_an_scp_condition(tmp_path: Path) -> list[str]:
    deny = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Action": "iam:*",
                "Resource": "*",
                "Condition": {"StringNotLike": {"aws:PrincipalArn": STARS}},
            }
        ],
    }
    path = tmp_path / "scps.json"
    path.write_text(json.dumps([[ALL_ON_ALL, deny]]), encoding="utf-8")
    return ["audit", "--gaad", str(GAAD_SAMPLE), "--scps", str(path)]


def _alternating_stars_in_an_scp_condition(tmp_path: Path) -> list[str]:
    """A pattern AWS stores (25 characters) against a 64-character user name: the regex
    backtracks through every way of placing 12 'a's."""
    name = "a" * 64
    user = {
        "UserName": name,
        "Arn": f"arn:aws:iam::123456789012:user/{name}",
        "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": ALL_ON_ALL}],
    }
    gaad = tmp_path / "gaad.json"
    gaad.write_text(json.dumps(gaad_of(UserDetailList=[user])), encoding="utf-8")
    deny = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Action": "iam:*",
                "Resource": "*",
                "Condition": {"StringNotLike": {"aws:PrincipalArn": "*a" * 12 + "b"}},
            }
        ],
    }
    scps = tmp_path / "scps.json"
    scps.write_text(json.dumps([[ALL_ON_ALL, deny]]), encoding="utf-8")
    return ["audit", "--gaad", str(gaad), "--scps", str(scps)]


@pytest.mark.parametrize(
    "build",
    [
        _stars_in_an_inline_action,
        _stars_in_an_scp_condition,
        _alternating_stars_in_an_scp_condition,
    ],
)
def test_a_wildcard_pattern_the_regex_backtracks_through_does_not_hang_the_audit(
    tmp_path: Path, build: object
) -> None:
    argv = build(tmp_path)  # type: ignore[operator]
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli", *argv],
            capture_output=True,
            text=True,
            timeout=10,  # the audit of this one-user account takes well under a second
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"iam-audit {' '.join(argv[:2])} still running after 10 s")
    # The audit ends normally: the pattern is legal, it just has to be matched in linear time.
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


# --- simulate: a caller or an account that is not one -----------------------------------------


@pytest.mark.parametrize("account", ["x", "12345", "\uff11" * 12, ""])
def test_simulate_refuses_a_resource_account_that_is_not_an_account_id(
    capsys: pytest.CaptureFixture[str], account: str
) -> None:
    """`--resource-account x` answered about arn:aws:iam::x:user/policy-simulator."""
    code, out, err = run(
        capsys, "simulate", "--policy", str(POLICY), "--action", "s3:GetObject",
        "--resource-account", account,
    )  # fmt: skip
    assert_one_line_exit_2(code, err, "--resource-account", "12-digit")
    assert out == ""


def test_a_request_line_with_a_resource_account_that_is_not_an_account_id_is_an_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = {
        "principal": "arn:aws:iam::123456789012:user/a",
        "identity_policies": [ALL_ON_ALL],
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::bucket/key",
    }
    requests = tmp_path / "requests.jsonl"
    lines = [
        good,
        {**good, "resource_account": "abc"},
        {**good, "resource_account": "123456789012"},
    ]
    requests.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    code, out, err = run(capsys, "simulate", "--requests", str(requests), "-f", "json")
    assert code == 2, err
    answers = [json.loads(line) for line in out.splitlines()]
    assert [a.get("decision") for a in answers] == ["allowed", None, "allowed"]
    assert "resource_account' must be a 12-digit AWS account id" in answers[1]["error"]


@pytest.mark.parametrize(
    "principal", ["alice", "arn:aws:iam::123456789012", "arn:aws:iam::123456789012:group/admins"]
)
def test_simulate_warns_when_the_principal_is_not_one(
    capsys: pytest.CaptureFixture[str], principal: str
) -> None:
    code, out, err = run(
        capsys, "simulate", "--policy", str(POLICY), "--action", "s3:GetObject",
        "--principal", principal,
    )  # fmt: skip
    assert code == 0, err
    assert "Decision:" in out
    assert f"warning: {principal!r} is not a principal" in err


@pytest.mark.parametrize(
    "principal",
    ["arn:aws:iam::123456789012:user/alice", "arn:aws:sts::123456789012:assumed-role/r/s", "*",
     "ec2.amazonaws.com", "arn:aws:iam::123456789012:root"],
)  # fmt: skip
def test_simulate_does_not_warn_about_a_real_principal(
    capsys: pytest.CaptureFixture[str], principal: str
) -> None:
    code, _, err = run(
        capsys, "simulate", "--policy", str(POLICY), "--action", "s3:GetObject",
        "--principal", principal,
    )  # fmt: skip
    assert code == 0, err
    assert "not a principal" not in err


# --- a snapshot's credential report and required fields ---------------------------------------


def demo_snapshot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, dict]:
    snapshot = tmp_path / "snap.json"
    assert run(capsys, "snapshot", "--demo", "-o", str(snapshot))[0] == 0
    return snapshot, json.loads(snapshot.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("column", "value", "allowed"),
    [
        ("mfa_active", "maybe", "expected FALSE, TRUE"),
        ("password_last_used", "yesterday", "expected an ISO 8601 date"),
    ],
)
def test_a_snapshot_credential_report_cell_the_checks_cannot_read_is_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    column: str,
    value: str,
    allowed: str,
) -> None:
    """The CSV loader refused these; from a snapshot they were accepted: a bad flag gave no
    finding at all, a bad date an error in each check that read it, and exit 0."""
    snapshot, data = demo_snapshot(tmp_path, capsys)
    data["credential_report"][1][column] = value
    snapshot.write_text(json.dumps(data), encoding="utf-8")
    code, out, err = run(capsys, "audit", "--snapshot", str(snapshot))
    assert_one_line_exit_2(code, err, "snap.json", "credential_report[1]", column, allowed)
    assert out == ""


def test_a_snapshot_with_two_different_report_rows_for_a_user_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot, data = demo_snapshot(tmp_path, capsys)
    rows = data["credential_report"]
    rows.append({**rows[1], "mfa_active": "true" if rows[1]["mfa_active"] == "false" else "false"})
    snapshot.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = run(capsys, "audit", "--snapshot", str(snapshot))
    assert_one_line_exit_2(code, err, f"credential_report[{len(rows) - 1}] repeats user")


@pytest.mark.parametrize(("where", "field"), [("users", "name"), (None, "account_id")])
def test_a_snapshot_lacking_a_required_field_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str | None, field: str
) -> None:
    """It said "User.__init__() missing 1 required positional argument: 'name'"."""
    snapshot, data = demo_snapshot(tmp_path, capsys)
    (data[where][0] if where else data).pop(field)
    snapshot.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = run(capsys, "audit", "--snapshot", str(snapshot))
    place = f"snapshot.{where}[0]" if where else "snapshot"
    assert_one_line_exit_2(code, err, f"{place} lacks the field(s) {field}")
    assert "__init__" not in err


@pytest.mark.parametrize(
    "option", [("--org-role", "auditor"), ("--external-id", "x-123"), ("--max-workers", "4")]
)
def test_a_many_accounts_option_without_accounts_is_refused(
    capsys: pytest.CaptureFixture[str], option: tuple[str, str]
) -> None:
    """They were ignored: `audit --profile prod --org-role auditor` audited one account."""
    code, out, err = run(capsys, "audit", "--demo", *option)
    assert_one_line_exit_2(code, err, option[0], "only applies together with --accounts")
    assert out == ""


def test_digest_post_to_an_unreachable_slack_is_one_line_and_keeps_the_logger_levels(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three ERROR log lines (slack_sdk twice, the delivery once) came before the error."""
    import logging

    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-2-not-a-real-token")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:1/api/")
    code, _, err = run(capsys, "digest", "--demo", "--post", "--channel", "C0123456789")
    assert code == 2, err
    lines = [line for line in err.splitlines() if "REDIS_URL is not set" not in line]
    assert lines == [
        "iam-audit: error: could not reach Slack for chat_postMessage:"
        " <urlopen error [Errno 111] Connection refused>"
    ]
    assert "xoxb-1-2-not-a-real-token" not in err
    assert logging.getLogger("slack_sdk").level == logging.NOTSET


@pytest.mark.skipif(not Path("/proc/version").is_file(), reason="needs Linux's /proc")
def test_output_where_no_file_can_be_created_does_not_say_the_directory_is_missing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`-o /proc/version` said "its directory does not exist"."""
    code, _, err = run(capsys, "checks", "-o", "/proc/version")
    assert_one_line_exit_2(code, err, "/proc/version", "no file can be created in /proc")
    assert "does not exist" not in err


def test_lint_sensitive_with_a_run_of_stars_answers() -> None:
    """`--sensitive '***...x:x=arn:...'` never ended (the action lookup backtracked)."""
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "lint", str(POLICY), "--sensitive",
         "*" * 3000 + "x:x=arn:aws:s3:::" + "*" * 3000],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (
            ["audit", "--gaad", "-", "--credential-report", "-"],
            ("credential report '-'", "already the GAAD file"),
        ),
        (["audit", "--gaad", "-", "--scps", "-"], ("SCP file '-'", "already the GAAD file")),
        (
            ["simulate", "--policy", "-", "--boundary", "-", "--action", "s3:GetObject"],
            ("policy file '-'", "already the policy file"),
        ),
    ],
)
def test_standard_input_named_for_two_inputs_is_refused_as_such(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    words: tuple[str, ...],
) -> None:
    """The second '-' read nothing: "- / -: credential report is empty", "policy '-' is
    malformed: policy is empty"."""
    import io

    source = GAAD_SAMPLE if argv[0] == "audit" else POLICY
    monkeypatch.setattr(sys, "stdin", io.StringIO(source.read_text(encoding="utf-8")))
    code, out, err = run(capsys, *argv)
    assert_one_line_exit_2(code, err, *words)
    assert out == ""


def test_standard_input_read_by_an_earlier_command_may_be_read_by_the_next(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    for _ in range(2):
        monkeypatch.setattr(sys, "stdin", io.StringIO(GAAD_SAMPLE.read_text(encoding="utf-8")))
        code, _, err = run(capsys, "audit", "--gaad", "-")
        assert code == 0, err


# --- endless inputs ---------------------------------------------------------------------------


def _limited_memory() -> None:
    import resource

    limit = 2 << 30  # far above what reading a megabyte needs; a regression fails, not swaps
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero and /dev/urandom")
@pytest.mark.parametrize(
    ("argv", "stdin", "code", "words"),
    [
        (["audit", "--gaad", "/dev/zero"], None, 2, "GAAD file /dev/zero is not valid JSON"),
        (["audit", "--snapshot", "/dev/urandom"], None, 2, "is not UTF-8 text"),
        (["audit", "--gaad", "-"], "/dev/zero", 2, "GAAD file standard input is not valid JSON"),
        (
            ["audit", "--gaad", str(GAAD_SAMPLE), "--credential-report", "/dev/zero"],
            None,
            2,
            "credential report",
        ),
        (["lint", "/dev/zero"], None, 1, "MALFORMED"),
        (["simulate", "--policy", "/dev/urandom", "--action", "s3:GetObject"], None, 2, "UTF-8"),
    ],
)
def test_an_endless_device_as_input_is_refused_not_read_until_memory_runs_out(
    argv: list[str], stdin: str | None, code: int, words: str
) -> None:
    """`--gaad /dev/zero` read until MemoryError: "unexpected MemoryError", exit 3 (or, with no
    memory limit, the machine's memory gone first)."""
    with open(stdin or os.devnull, "rb") as source:
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli", *argv],
            stdin=source,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            preexec_fn=_limited_memory,
        )
    assert result.returncode == code, result.stderr
    assert words in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_running_out_of_memory_is_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.clicmd._common as common

    def too_big(*_args: object, **_kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(common, "parse_json", too_big)
    code, _, err = run(capsys, "audit", "--gaad", str(GAAD_SAMPLE))
    assert_one_line_exit_2(code, err, "out of memory: an input is too large")


def test_history_limit_past_what_redis_takes_is_refused_naming_the_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """It said "could not read the audit trail (Redis): value is not an integer or out of
    range", blaming the store for the option."""
    code, _, err = run(
        capsys, "history", "--redis-url", "redis://127.0.0.1:1/0", "--limit", "9" * 23
    )
    assert_one_line_exit_2(code, err, "--limit", "0 (all) to 1,000,000,000")
    assert "Redis" not in err


def test_accounts_of_non_ascii_digits_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    fullwidth = "\uff11" * 12
    code, _, err = run(capsys, "audit", "--accounts", f"{fullwidth},123456789012")
    assert_one_line_exit_2(code, err, "not a 12-digit AWS account id", fullwidth)


def test_worker_with_an_unknown_log_format_is_exit_2_naming_the_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """It was "unexpected ValueError: log format must be 'text' or 'json'", exit 3."""
    monkeypatch.setenv("IAM_AUDIT_LOG_FORMAT", "xml")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    code, _, err = run(capsys, "worker", "--burst")
    assert code == 2, err
    assert "IAM_AUDIT_LOG_FORMAT must be 'text' or 'json', got 'xml'" in err
    assert "unexpected" not in err


@pytest.mark.parametrize("value", ["0", "99999", "-3"])
def test_account_workers_out_of_range_in_the_environment_is_refused_before_aws(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("IAM_AUDIT_ACCOUNT_WORKERS", value)
    code, _, err = run(capsys, "audit", "--accounts", "123456789012")
    assert_one_line_exit_2(code, err, "IAM_AUDIT_ACCOUNT_WORKERS must be between 1 and 64")


# --- what a GAAD file leaves out --------------------------------------------------------------


def test_a_gaad_without_the_policies_its_users_attach_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An export made with --filter User: the user with AdministratorAccess attached was no
    administrator, "no role has AWSSupportAccess" was said of a file without roles, and the
    report had no error to say why."""
    user = {
        "UserName": "x",
        "Arn": "arn:aws:iam::123456789012:user/x",
        "AttachedManagedPolicies": [
            {
                "PolicyName": "AdministratorAccess",
                "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess",
            }
        ],
    }
    path = tmp_path / "gaad.json"
    path.write_text(json.dumps({"UserDetailList": [user]}), encoding="utf-8")
    code, out, err = run(capsys, "audit", "--gaad", str(path), "-f", "json")
    assert code == 0, err
    messages = [e["message"] for e in json.loads(out)["errors"]]
    assert len(messages) == 3, messages
    assert any("no Policies" in m and "attach are unknown" in m for m in messages)
    assert any("no RoleDetailList" in m for m in messages)
    assert any("no GroupDetailList" in m for m in messages)


def test_a_gaad_missing_an_attached_policy_or_a_group_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    user = {
        **BARE_USER,
        "GroupList": ["admins"],
        "AttachedManagedPolicies": [
            {"PolicyName": "p", "PolicyArn": "arn:aws:iam::123456789012:policy/p"}
        ],
        "PermissionsBoundary": {
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": "arn:aws:iam::123456789012:policy/boundary",
        },
    }
    path = tmp_path / "gaad.json"
    path.write_text(json.dumps(gaad_of(UserDetailList=[user])), encoding="utf-8")
    code, out, err = run(capsys, "audit", "--gaad", str(path))
    assert code == 0, err
    assert (
        "2 managed policies (arn:aws:iam::123456789012:policy/p,"
        " arn:aws:iam::123456789012:policy/boundary) attached (or set as a permissions"
        " boundary) but not in the file's Policies"
    ) in out
    assert "group admins named in users' GroupList but not in the file's GroupDetailList" in out


def test_a_complete_gaad_reports_no_gaps(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "audit", "--gaad", str(GAAD_SAMPLE), "-f", "json")
    assert code == 0, err
    assert json.loads(out)["errors"] == []


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("docs/iam report#1?.md", "docs/iam%20report%231%3F.md"),
        ("iam\\report.md", "iam/report.md"),
        ("docs/iam%20x.md", "docs/iam%20x.md"),
    ],
)
def test_sarif_artifact_path_becomes_a_uri_reference(
    capsys: pytest.CaptureFixture[str], path: str, uri: str
) -> None:
    """SARIF's artifactLocation.uri is a URI reference: a space, '#' or '?' went in raw."""
    code, out, err = run(capsys, "audit", "--demo", "-f", "sarif", "--sarif-artifact", path)
    assert code == 0, err
    results = json.loads(out)["runs"][0]["results"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {uri}


def test_a_blank_sarif_artifact_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "audit", "--demo", "-f", "sarif", "--sarif-artifact", "  ")
    assert_one_line_exit_2(code, err, "--sarif-artifact is blank")
    assert out == ""


def test_a_snapshot_missing_an_attached_policy_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot, data = demo_snapshot(tmp_path, capsys)
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    data["policies"] = [p for p in data["policies"] if p["arn"] != admin]
    snapshot.write_text(json.dumps(data), encoding="utf-8")
    code, out, err = run(capsys, "audit", "--snapshot", str(snapshot), "-f", "json")
    assert code == 0, err
    messages = [e["message"] for e in json.loads(out)["errors"]]
    assert messages == [
        f"managed policy {admin} attached (or set as a permissions boundary) but not in the"
        " snapshot's policies: what they allow is unknown, and findings that depend on it are"
        " missing"
    ]


def test_a_complete_snapshot_reports_no_gaps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot, _ = demo_snapshot(tmp_path, capsys)
    code, out, err = run(capsys, "audit", "--snapshot", str(snapshot), "-f", "json")
    assert code == 0, err
    assert json.loads(out)["errors"] == []


# --- ARNs that are not the entity's, accounts that are not one --------------------------------


@pytest.mark.parametrize(
    ("lists", "words"),
    [
        (
            {"UserDetailList": [{"UserName": "x", "Arn": "notanarn"}]},
            ("user 'x'", "Arn 'notanarn' is not the ARN of an IAM user"),
        ),
        (
            {"RoleDetailList": [{"RoleName": "r", "Arn": "arn:aws:iam::123456789012:user/r"}]},
            ("role 'r'", "is not the ARN of an IAM role"),
        ),
        (
            {
                "Policies": [
                    {"PolicyName": "p", "Arn": "arn:aws:s3:::bucket", "PolicyVersionList": []}
                ]
            },
            ("Policies", "is not the ARN of an IAM policy"),
        ),
    ],
)
def test_a_gaad_entry_whose_arn_is_not_its_kind_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lists: dict, words: tuple[str, ...]
) -> None:
    """A user "notanarn" was audited and reported under that name, its account taken from
    another entry."""
    path = tmp_path / "gaad.json"
    path.write_text(json.dumps(gaad_of(**lists)), encoding="utf-8")
    code, out, err = run(capsys, "audit", "--gaad", str(path))
    assert_one_line_exit_2(code, err, *words)
    assert out == ""


def test_a_gaad_mixing_accounts_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two accounts' files joined: audited as the first ARN's account, the other account's
    principals read as its own."""
    other = {"UserName": "y", "Arn": "arn:aws:iam::999999999999:user/y"}
    path = tmp_path / "gaad.json"
    path.write_text(json.dumps(gaad_of(UserDetailList=[ADMIN_USER, other])), encoding="utf-8")
    code, out, err = run(capsys, "audit", "--gaad", str(path))
    assert_one_line_exit_2(code, err, "mixes the entries of 2 accounts", "999999999999")
    assert out == ""


def test_aws_managed_policies_do_not_count_as_another_account(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "audit", "--gaad", str(GAAD_SAMPLE))
    assert code == 0, err
