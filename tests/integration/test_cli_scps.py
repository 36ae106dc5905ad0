"""`iam-audit audit --scps FILE`: the SCPs over the audited account, from a file the management
account wrote; findings then leave out what they refuse, and the report says which applied.
Every malformed file is one clear line and exit 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot import cli
from bot.model.snapshot import AccountSnapshot, ServiceControlPolicy
from tests.factories import allow, inline, policy_document, snapshot, statement, user

FULL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
DENY_KEYS = policy_document(statement(effect="Deny", action="iam:CreateAccessKey"))


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def snapshot_path(tmp_path: Path) -> Path:
    """An administrator and a user who can take it over with iam:CreateAccessKey."""
    snap: AccountSnapshot = snapshot(
        users=[
            user("admin", inline_policies=[inline("admin", allow("*"))]),
            user("dev", inline_policies=[inline("keys", allow("iam:CreateAccessKey"))]),
        ]
    )
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(snap.to_dict()))
    return path


def write(tmp_path: Path, content: Any, name: str = "scps.json") -> str:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def audit_json(capsys, snapshot_path: Path, *extra: str) -> dict[str, Any]:
    code, out, err = run_cli(
        capsys, "audit", "--snapshot", str(snapshot_path), "-f", "json", *extra
    )
    assert code == 0, err
    return json.loads(out)


def escalating(report: dict[str, Any]) -> list[str]:
    return [
        f["resource_arn"].rsplit("/", 1)[1]
        for f in report["findings"]
        if f["check_id"] == "principal.privilege_escalation"
    ]


def test_the_scps_of_a_file_remove_what_they_refuse(capsys, snapshot_path, tmp_path) -> None:
    assert escalating(audit_json(capsys, snapshot_path)) == ["dev"]
    scps = write(
        tmp_path,
        {
            "levels": [
                [
                    {"name": "FullAWSAccess", "id": "p-FullAWSAccess", "document": FULL},
                    # The text DescribePolicy returns as Content.
                    {
                        "name": "DenyKeys",
                        "id": "p-keys",
                        "target": "r-ab12",
                        "document": json.dumps(DENY_KEYS),
                    },
                ],
                [FULL],
            ],
            "management_account": False,
        },
    )
    report = audit_json(capsys, snapshot_path, "--scps", scps)
    assert escalating(report) == []
    assert report["extra"]["service_control_policies"] == {
        "known": True,
        "applied": ["SCP DenyKeys (p-keys) at the root (r-ab12)"],
        "not_applied": [],
    }


def test_a_bare_list_of_levels_is_read_as_simulate_reads_it(capsys, snapshot_path, tmp_path):
    report = audit_json(capsys, snapshot_path, "--scps", write(tmp_path, [[FULL, DENY_KEYS]]))
    assert escalating(report) == []


def test_the_text_report_lists_the_scps_applied(capsys, snapshot_path, tmp_path) -> None:
    scps = write(
        tmp_path,
        [
            [FULL, DENY_KEYS],
            [
                {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "*",
                            "Resource": "*",
                            "Condition": {"Bool": {"aws:SecureTransport": "true"}},
                        }
                    ]
                }
            ],
        ],
    )
    code, out, err = run_cli(capsys, "audit", "--snapshot", str(snapshot_path), "--scps", scps)
    assert code == 0, err
    assert "Service control policies applied: 1\n  - SCP level 0 policy 2 at the root\n" in out
    assert (
        "  not applied: the allow list at the account: SCP level 1 policy 1 allows under a "
        "condition\n"
    ) in out


def test_the_management_account_flag_turns_them_off(capsys, snapshot_path, tmp_path) -> None:
    scps = write(tmp_path, {"levels": [[FULL, DENY_KEYS]], "management_account": True})
    assert escalating(audit_json(capsys, snapshot_path, "--scps", scps)) == ["dev"]


# --scps and --rcps read one file shape (bot.iam.scp_file): every refusal is tested for both.
OPTIONS = pytest.mark.parametrize("option", ["--scps", "--rcps"])


@OPTIONS
@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "{KIND} file"),
        ("", "{KIND} file"),
        ({"levels": [[FULL]], "extra": 1}, "unknown field(s) extra"),
        ({"level": []}, "unknown field(s) level"),
        ({"management_account": False}, "no 'levels'"),
        ({"levels": [[FULL]], "management_account": "no"}, "must be true or false"),
        ([FULL], "expected a list of levels (each a list of {KIND}s)"),
        ("42", "expected a list of levels"),
        ([[FULL]] * 8, "8 levels; an account sits under at most 7"),
        ([[{"document": "{bad"}]], "level 0 entry 1: the policy text is not valid JSON"),
        ([[{"name": 3, "document": FULL}]], "level 0 entry 1: 'name' must be a string"),
        ([[{"Effect": "Deny"}]], "expected a policy document"),
        ([["text"]], "level 0 entry 1: the policy text is not valid JSON"),
        ([[{"document": "[1, 2]"}]], "level 0 entry 1: not a policy document"),
        ([[{"document": "[" * 100_000}]], "level 0 entry 1"),
        ({"levels": [], "organization_id": "org-1"}, "'organization_id' must be an organization"),
        ({"levels": [], "organization_id": 5}, "'organization_id' must be an organization"),
    ],
)
def test_a_malformed_file_is_one_clear_line(
    capsys, snapshot_path, tmp_path, option: str, content: Any, fragment: str
) -> None:
    code, out, err = run_cli(
        capsys, "audit", "--snapshot", str(snapshot_path), option, write(tmp_path, content)
    )
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    (line,) = err.splitlines()
    assert line.startswith("iam-audit: error: ")
    assert fragment.replace("{KIND}", option[2:5].upper()) in line


@OPTIONS
def test_a_missing_file_is_named(capsys, snapshot_path, tmp_path, option: str) -> None:
    code, _out, err = run_cli(
        capsys, "audit", "--snapshot", str(snapshot_path), option, str(tmp_path / "nope.json")
    )
    assert code == 2
    assert f"{option[2:5].upper()} file not found" in err


@OPTIONS
def test_the_files_describe_one_account_not_an_organization(capsys, tmp_path, option) -> None:
    kind = option[2:5].upper()
    code, _out, err = run_cli(
        capsys, "audit", "--accounts", "111111111111", option, write(tmp_path, [[FULL]])
    )
    assert code == 2
    assert f"{option} describes one account; with --accounts each member's {kind}s" in err


def test_simulate_applies_the_scps_a_snapshot_holds(capsys, tmp_path) -> None:
    """A snapshot of a member account with its SCPs: simulate answers as AWS would, every
    level from the root down (the evaluator's own SCP layer, conditions included)."""
    snap = snapshot(
        users=[user("dev", inline_policies=[inline("keys", allow("iam:CreateAccessKey"))])],
        service_control_policies=(
            (
                ServiceControlPolicy("FullAWSAccess", FULL, "p-FullAWSAccess"),
                ServiceControlPolicy("DenyKeys", DENY_KEYS, "p-keys"),
            ),
        ),
    )
    path = tmp_path / "member.json"
    path.write_text(json.dumps(snap.to_dict()))
    argv = ["simulate", "--snapshot", str(path), "--principal", snap.users[0].arn]
    argv += ["--action", "iam:CreateAccessKey", "--resource", snap.users[0].arn, "-f", "json"]
    code, out, err = run_cli(capsys, *argv)
    assert code == 0, err
    answer = json.loads(out)
    assert answer["decision"] == "explicit_deny"
    assert answer["reason"] == "explicitly denied by SCP 'DenyKeys (p-keys)' statement 0"
    # The management account: SCPs do not apply there.
    path.write_text(json.dumps({**snap.to_dict(), "is_management_account": True}))
    code, out, err = run_cli(capsys, *argv)
    assert json.loads(out)["decision"] == "allowed"


def test_a_level_allowing_nothing_is_warned_about(capsys, snapshot_path, tmp_path) -> None:
    """A hand-written file that lists only the Deny SCPs of an OU (FullAWSAccess left out)
    means AWS refuses every call: applied as written, and said on stderr."""
    scps = write(tmp_path, [[FULL], [DENY_KEYS]])
    code, out, err = run_cli(capsys, "audit", "--snapshot", str(snapshot_path), "--scps", scps)
    assert code == 0
    assert f"iam-audit: {scps}: no SCP of level 1 allows anything" in err
    assert "  - nothing allowed at the account: no SCP there allows any call\n" in out


def test_scp_names_from_a_file_are_made_safe_in_every_report(capsys, snapshot_path, tmp_path):
    """Names are whatever the file (or an organization's administrator) says: no terminal
    escape reaches a terminal, no Markdown markup a pull-request comment."""
    hostile = {"name": "\x1b[2J*bold* <!channel> | x", "document": DENY_KEYS}
    scps = write(tmp_path, [[FULL, hostile]])
    code, out, err = run_cli(capsys, "audit", "--snapshot", str(snapshot_path), "--scps", scps)
    assert code == 0, err
    assert "\x1b" not in out
    code, out, err = run_cli(
        capsys, "audit", "--snapshot", str(snapshot_path), "--scps", scps, "-f", "markdown"
    )
    line = next(x for x in out.splitlines() if "bold" in x)
    assert "\x1b" not in line
    assert "\\*bold\\*" in line
    assert "<!channel>" not in line


def test_a_malformed_scp_in_a_snapshot_is_named_by_simulate_and_left_to_it(capsys, tmp_path):
    """Only simulate parses a snapshot's SCPs (it applies them): one line naming the SCP,
    exit 2. The principal's own policies (the approval preview's second opinion reads them)
    are read without them."""
    from bot.iam.principal_policies import policies_for_principal

    broken = ServiceControlPolicy("Broken", {"Statement": [{"Effect": "Deny"}]}, "p-bad")
    snap = snapshot(
        users=[user("dev", inline_policies=[inline("keys", allow("iam:CreateAccessKey"))])],
        service_control_policies=((broken,),),
    )
    assert policies_for_principal(snap, snap.users[0].arn).scps == ()
    path = tmp_path / "member.json"
    path.write_text(json.dumps(snap.to_dict()))
    code, _out, err = run_cli(
        capsys, "simulate", "--snapshot", str(path), "--principal", snap.users[0].arn,
        "--action", "iam:CreateAccessKey", "--resource", snap.users[0].arn,
    )  # fmt: skip
    assert code == 2
    assert "Traceback" not in err
    (line,) = err.splitlines()
    assert "Broken (p-bad)" in line
