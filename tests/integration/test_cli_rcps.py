"""`iam-audit audit --rcps FILE`: the resource control policies over the audited account, from a
file the management account wrote (`aws organizations describe-policy` per level). Role trusts
they close to outsiders are no longer reported open, the report says which applied, and every
malformed file is one clear line and exit 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot import cli
from bot.model.snapshot import AccountSnapshot, ResourceControlPolicy
from tests.factories import allow, inline, policy_document, role, snapshot, trust_policy, user

ORG_ID = "o-a1b2c3d4e5"
RCP_FULL_ACCESS = policy_document(
    {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
)
ORG_ONLY = policy_document(
    {
        "Sid": "EnforceOrgIdentities",
        "Effect": "Deny",
        "Principal": "*",
        "Action": ["sts:AssumeRole", "s3:*"],
        "Resource": "*",
        "Condition": {
            "StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID},
            "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
        },
    }
)


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def snapshot_path(tmp_path: Path) -> Path:
    """A role anyone may assume (trust Principal "*")."""
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(snapshot(roles=[role("open", trust=trust_policy("*"))]).to_dict()))
    return path


def write(tmp_path: Path, content: Any, name: str = "rcps.json") -> str:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def open_roles(capsys, snapshot_path: Path, *extra: str) -> list[str]:
    code, out, err = run_cli(
        capsys, "audit", "--snapshot", str(snapshot_path), "-f", "json", *extra
    )
    assert code == 0, err
    report = json.loads(out)
    return [
        f["resource_arn"].rsplit("/", 1)[1]
        for f in report["findings"]
        if f["check_id"] == "role.trust_any_principal"
    ]


def test_the_rcps_of_a_file_close_an_open_trust(capsys, snapshot_path, tmp_path) -> None:
    assert open_roles(capsys, snapshot_path) == ["open"]
    rcps = write(
        tmp_path,
        {
            "levels": [
                [
                    {
                        "name": "RCPFullAWSAccess",
                        "id": "p-RCPFullAWSAccess",
                        "document": RCP_FULL_ACCESS,
                    }
                ],
                [
                    {
                        "name": "org-only",
                        "id": "p-0rg0nly1",
                        "target": "ou-ab12-cd34ef56",
                        "document": json.dumps(ORG_ONLY),
                    }
                ],
                [],
            ],
            "management_account": False,
        },
    )
    assert open_roles(capsys, snapshot_path, "--rcps", rcps) == []


def test_a_bare_list_of_levels_is_read_too(capsys, snapshot_path, tmp_path) -> None:
    assert open_roles(capsys, snapshot_path, "--rcps", write(tmp_path, [[ORG_ONLY]])) == []


def test_the_management_account_flag_turns_them_off(capsys, snapshot_path, tmp_path) -> None:
    rcps = write(tmp_path, {"levels": [[ORG_ONLY]], "management_account": True})
    assert open_roles(capsys, snapshot_path, "--rcps", rcps) == ["open"]


def test_the_text_and_markdown_reports_name_the_rcps(capsys, snapshot_path, tmp_path) -> None:
    rcps = write(tmp_path, [[{"name": "org-only", "document": ORG_ONLY}]])
    code, out, err = run_cli(capsys, "audit", "--snapshot", str(snapshot_path), "--rcps", rcps)
    assert code == 0, err
    assert "Resource control policies read: 1; applied to role trusts: 1\n  - org-only\n" in out
    code, out, err = run_cli(
        capsys, "audit", "--snapshot", str(snapshot_path), "--rcps", rcps, "-f", "markdown"
    )
    assert code == 0, err
    assert "Resource control policies read: 1; applied to role trusts: 1\n- org-only" in out


def test_rcps_and_scps_can_be_given_together(capsys, snapshot_path, tmp_path) -> None:
    full = policy_document({"Effect": "Allow", "Action": "*", "Resource": "*"})
    scps = write(tmp_path, [[full]], name="scps.json")
    rcps = write(tmp_path, [[ORG_ONLY]])
    code, out, err = run_cli(
        capsys, "audit", "--snapshot", str(snapshot_path), "--scps", scps, "--rcps", rcps
    )
    assert code == 0, err
    assert "Service control policies applied: " in out
    assert "Resource control policies read: 1" in out


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Deny", "Principal": "*", "Action": 5, "Resource": "*"},
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sts:AssumeRole",
            "Resource": "*",
            "Condition": {"Bogus": {"aws:PrincipalOrgID": ORG_ID}},
        },
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sts:AssumeRole",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": [ORG_ID, {"x": 1}]}},
        },
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sts:AssumeRole",
            "Resource": "*",
            "Condition": {"NumericLessThan": {"aws:ResourceTag/level": "not a number"}},
        },
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sts:AssumeRole",
            "Resource": "*",
            "Condition": "StringNotEquals",
        },
        {"Effect": ["Deny"], "Principal": "*", "Action": "sts:AssumeRole", "Resource": "*"},
    ],
)
def test_odd_statements_never_crash_the_audit(capsys, snapshot_path, tmp_path, statement) -> None:
    """Whatever a statement holds, the trust checks run (no check error) and exit 0 or 1."""
    rcps = write(tmp_path, [[policy_document(statement)]])
    code, out, err = run_cli(
        capsys, "audit", "--snapshot", str(snapshot_path), "--rcps", rcps, "-f", "json"
    )
    assert code in (0, 1), err
    assert "Traceback" not in err
    report = json.loads(out)
    assert [e for e in report["errors"] if e.get("kind") == "check"] == []


def test_rcp_names_from_a_file_are_made_safe_in_every_report(capsys, snapshot_path, tmp_path):
    hostile = {"name": "\x1b[2J*bold* <!channel> | x", "document": ORG_ONLY}
    rcps = write(tmp_path, [[hostile]])
    code, out, err = run_cli(capsys, "audit", "--snapshot", str(snapshot_path), "--rcps", rcps)
    assert code == 0, err
    assert "\x1b" not in out
    code, out, err = run_cli(
        capsys, "audit", "--snapshot", str(snapshot_path), "--rcps", rcps, "-f", "markdown"
    )
    line = next(x for x in out.splitlines() if "bold" in x)
    assert "\\*bold\\*" in line
    assert "<!channel>" not in line


def test_a_snapshot_keeps_the_rcps_and_the_audit_applies_them(capsys, tmp_path) -> None:
    snap = snapshot(roles=[role("open", trust=trust_policy("*"))])
    data = snap.to_dict()
    data["resource_control_policies"] = [
        [{"name": "org-only", "document": ORG_ONLY, "policy_id": "p-1", "target": "r-1"}]
    ]
    path = tmp_path / "member.json"
    path.write_text(json.dumps(data))
    assert open_roles(capsys, path) == []
    assert AccountSnapshot.from_dict(data).resource_control_policies == (
        (ResourceControlPolicy("org-only", ORG_ONLY, "p-1", "r-1"),),
    )


def test_the_file_s_organization_tells_a_foreign_organization_s_trust(capsys, tmp_path) -> None:
    """With the account's organization known, a `*` trust narrowed to another organization is
    a cross-account trust of every account there."""
    partner = role(
        "partner",
        trust=trust_policy(
            "*", condition={"StringEquals": {"aws:PrincipalOrgID": "o-partner0001"}}
        ),
    )
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(snapshot(roles=[partner]).to_dict()))

    def cross_account(*extra: str) -> list[str]:
        code, out, err = run_cli(capsys, "audit", "--snapshot", str(path), "-f", "json", *extra)
        assert code in (0, 1), err
        return [
            f["detail"]
            for f in json.loads(out)["findings"]
            if f["check_id"] == "role.trust_cross_account_unguarded"
        ]

    assert cross_account() == []  # the account's organization unknown: nothing claimed
    full = write(tmp_path, {"levels": [[RCP_FULL_ACCESS]], "organization_id": ORG_ID})
    assert cross_account("--rcps", full) == [
        "role partner trusts every account of organization o-partner0001 (not this account's)"
        " with neither an external id nor an MFA condition"
    ]
    # An RCP keeping every role to the account's own organization lets the partner in nowhere.
    org_only = write(tmp_path, {"levels": [[ORG_ONLY]], "organization_id": ORG_ID}, "org.json")
    assert cross_account("--rcps", org_only) == []


# --- simulate --snapshot ------------------------------------------------------------------------


def _member_snapshot(tmp_path: Path, organization: str | None, *rcps: dict[str, Any]) -> str:
    snap = snapshot(
        users=[user("dev", inline_policies=[inline("all", allow(["sts:AssumeRole", "s3:*"]))])],
        roles=[role("target", trust=trust_policy({"AWS": "arn:aws:iam::123456789012:root"}))],
    )
    data = snap.to_dict()
    data["resource_control_policies"] = [
        [{"name": f"rcp{n}", "document": doc} for n, doc in enumerate(rcps)]
    ]
    data["organization_id"] = organization
    path = tmp_path / f"member-{organization}.json"
    path.write_text(json.dumps(data))
    return str(path)


def simulate(capsys, path: str, action: str, resource: str, *extra: str) -> tuple[dict, str]:
    argv = ["simulate", "--snapshot", path, "--principal", "arn:aws:iam::123456789012:user/dev"]
    code, out, err = run_cli(
        capsys, *argv, "--action", action, "--resource", resource, "-f", "json", *extra
    )
    assert code in (0, 1), err
    return json.loads(out), err


ROLE = "arn:aws:iam::123456789012:role/target"
NO_BUCKET_DELETION = policy_document(
    {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket", "Resource": "*"}
)


def test_simulate_lets_the_organization_s_own_principals_through_its_rcps(capsys, tmp_path):
    answer, _err = simulate(
        capsys, _member_snapshot(tmp_path, ORG_ID, ORG_ONLY), "sts:AssumeRole", ROLE
    )
    assert answer["decision"] == "allowed"


def test_simulate_refuses_what_the_rcps_refuse_the_account_s_principals(capsys, tmp_path):
    """An RCP naming another organization (or refusing everyone) refuses the account's own
    principals too: AWS applies RCPs to every request on the account's resources."""
    other = _member_snapshot(tmp_path, "o-zzzz000000", ORG_ONLY)
    answer, _err = simulate(capsys, other, "sts:AssumeRole", ROLE)
    assert answer["decision"] == "explicit_deny"
    assert "RCP" in answer["reason"]
    path = _member_snapshot(tmp_path, ORG_ID, NO_BUCKET_DELETION)
    answer, _err = simulate(capsys, path, "s3:DeleteBucket", "arn:aws:s3:::b")
    assert answer["decision"] == "explicit_deny"


def test_simulate_applies_no_rcp_to_another_account_s_resource(capsys, tmp_path) -> None:
    path = _member_snapshot(tmp_path, ORG_ID, NO_BUCKET_DELETION)
    answer, _err = simulate(
        capsys, path, "s3:DeleteBucket", "arn:aws:s3:::b", "--resource-account", "999988887777"
    )
    assert answer["decision"] != "explicit_deny"


def test_simulate_says_when_the_rcps_cannot_be_applied(capsys, tmp_path) -> None:
    """Without the organization's id the account's principals would read as outsiders: the
    RCPs are left out and stderr says why."""
    answer, err = simulate(
        capsys, _member_snapshot(tmp_path, None, ORG_ONLY), "sts:AssumeRole", ROLE
    )
    assert answer["decision"] == "allowed"
    assert "the snapshot's RCPs are not applied: its organization id is unknown" in err


def test_simulate_in_the_management_account_applies_no_rcp(capsys, tmp_path) -> None:
    path = Path(_member_snapshot(tmp_path, "o-zzzz000000", ORG_ONLY))
    path.write_text(json.dumps({**json.loads(path.read_text()), "is_management_account": True}))
    answer, _err = simulate(capsys, str(path), "sts:AssumeRole", ROLE)
    assert answer["decision"] == "allowed"
