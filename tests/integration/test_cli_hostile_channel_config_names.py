"""Hostile input a previous review left open: a digest channel that is no channel, a config file
that is a device or binary, and IAM names no IAM would accept. Each is refused with one line
(exit 2) that shows, escaped, what it refused; nothing is lost and no secret is echoed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli
from bot.config.settings import load_settings
from bot.model.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
GAAD_SAMPLE = ROOT / "tests" / "data" / "gaad_sample.json"
SLACK_OK = {"SLACK_BOT_TOKEN": "xoxb-1-2-not-a-real-token", "SLACK_SIGNING_SECRET": "shh-secret"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_exit_2(code: int, err: str, *words: str) -> None:
    assert code == 2, err
    lines = [line for line in err.strip().splitlines() if "REDIS_URL is not set" not in line]
    assert len(lines) == 1, err
    assert lines[0].startswith("iam-audit: error: "), err
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], lines[0]


def _limited_memory() -> None:
    import resource

    limit = 2 << 30  # far above what reading a megabyte needs; a regression fails, not swaps
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


# --- config files: bounded, text, UTF-8 -------------------------------------------------------


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero and /dev/urandom")
@pytest.mark.parametrize(
    ("device", "words"),
    [
        ("/dev/zero", "is not valid TOML: it holds a NUL byte"),
        ("/dev/urandom", "config file /dev/urandom"),
    ],
)
def test_an_endless_device_as_config_is_refused_not_read_until_memory_runs_out(
    device: str, words: str
) -> None:
    """`--config /dev/zero` read until memory ran out: "out of memory", after the machine's
    memory (or the limit) was gone."""
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "audit", "--demo", "--config", device],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
        preexec_fn=_limited_memory,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"config file {device}" in lines[0]
    assert words in lines[0]
    assert "out of memory" not in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (
            b"[thresholds]\ninactive_days = 60\n\x00\x01\x02",
            ("is not valid TOML", "holds a NUL byte"),
        ),
        (b"# " + b"x" * (2 << 20) + b"\n", ("is larger than 1 MB", "not a config")),
        (b"[thresholds]\n# caf\xe9\n", ("is not UTF-8 text", "byte 18")),
    ],
    ids=["nul", "oversize", "latin-1"],
)
def test_a_binary_huge_or_non_utf8_config_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, words: tuple[str, ...]
) -> None:
    config = tmp_path / "iam-audit.toml"
    config.write_bytes(content)
    code, out, err = run(capsys, "audit", "--demo", "--config", str(config))
    assert_one_line_exit_2(code, err, f"config file {config}", *words)
    assert out == ""
    assert config.read_bytes() == content


def test_a_config_of_exactly_the_limit_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "iam-audit.toml"
    head = b"[thresholds]\ninactive_days = 60\n# "
    config.write_bytes(head + b"x" * ((1 << 20) - len(head) - 1) + b"\n")
    assert config.stat().st_size == 1 << 20
    code, _, err = run(capsys, "audit", "--demo", "--config", str(config), "-f", "json")
    assert code in (0, 1), err


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"[slack]\n\x00", "holds a NUL byte"),
        (b"# " + b"x" * (2 << 20), "is larger than 1 MB"),
        (b"[slack]\n# \xff\n", "is not UTF-8 text"),
    ],
    ids=["nul", "oversize", "not-utf8"],
)
def test_the_bots_settings_refuse_the_same_files_among_its_problems(
    tmp_path: Path, content: bytes, words: str
) -> None:
    config = tmp_path / "bot.toml"
    config.write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        load_settings(SLACK_OK, config_file=config)
    assert [p for p in caught.value.problems if words in p and str(config) in p]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_serve_with_dev_zero_as_its_config_lists_it_at_start() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "IAM_AUDIT_"))}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--config", "/dev/zero"],
        env={**env, **SLACK_OK},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
        preexec_fn=_limited_memory,
    )
    assert result.returncode == 2, result.stderr
    assert "config file /dev/zero is not valid TOML: it holds a NUL byte" in result.stderr
    assert "Traceback" not in result.stderr
    assert "shh-secret" not in result.stderr


# --- the digest's channel: a Slack channel id, nothing else -----------------------------------


@pytest.fixture
def unreachable_slack(monkeypatch: pytest.MonkeyPatch) -> None:
    """A token and an API no post can reach: a channel let through ends in "could not reach
    Slack", a refused one never gets that far."""
    for name in list(os.environ):
        if name.startswith(("IAM_AUDIT_", "REDIS_URL")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_OK["SLACK_BOT_TOKEN"])
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:1/api/")


@pytest.mark.parametrize(
    ("channel", "words"),
    [
        ("<!everyone>", ("'<!everyone>'", "is not a channel id")),
        ("C0123ABCD<!channel>", ("is not a channel id",)),
        ("", ("--channel is empty",)),
        ("   ", ("--channel is empty",)),
        ("C0123\nABCD", ("'C0123\\nABCD'", "is not a channel id")),
        ("C0123 ABCD", ("is not a channel id",)),
        ("\x1b]0;owned\x07C0123", ("'\\x1b]0;owned\\x07C0123'",)),
        ("C" + "A" * 5000, ("is not a channel id", "...")),
        ("#general", ("'#general' is a channel name", "give the channel's id")),
        ("general", ("'general' is a channel name", "give the channel's id")),
        ("c0123abcd", ("is a channel name",)),
        ("U0123ABCD", ("is not a channel id",)),
    ],
    ids=[
        "mention",
        "id-then-mention",
        "empty",
        "blank",
        "newline",
        "space",
        "osc",
        "over-long",
        "hash-name",
        "name",
        "lower-case",
        "user-id",
    ],
)
def test_a_digest_channel_that_is_no_channel_id_is_refused_before_anything_runs(
    capsys: pytest.CaptureFixture[str],
    unreachable_slack: None,
    channel: str,
    words: tuple[str, ...],
) -> None:
    """Anything went to chat.postMessage as the channel (and as the once-per-slot key): a
    newline, a mention, 5,000 characters; only Slack's answer stopped it, after the audit."""
    code, out, err = run(capsys, "digest", "--demo", "--post", "--channel", channel)
    assert_one_line_exit_2(code, err, "--channel", *words)
    assert "could not reach Slack" not in err
    assert "REDIS_URL is not set" not in err  # refused before the digest was set up
    assert len(err) < 400
    assert "\x1b" not in err
    assert "\x07" not in err
    assert SLACK_OK["SLACK_BOT_TOKEN"] not in err
    assert out == ""


@pytest.mark.parametrize("channel", ["C0123ABCD", "#C0123ABCD", " G0123ABCD ", "D0123ABCD"])
def test_a_digest_channel_id_goes_on_to_slack(
    capsys: pytest.CaptureFixture[str], unreachable_slack: None, channel: str
) -> None:
    code, _, err = run(capsys, "digest", "--demo", "--post", "--channel", channel)
    assert code == 2, err
    assert "could not reach Slack" in err


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("<!here>", ("IAM_AUDIT_DIGEST_CHANNEL", "'<!here>'", "is not a channel id")),
        ("#security", ("IAM_AUDIT_DIGEST_CHANNEL", "'#security' is a channel name")),
        ("C01\rX", ("IAM_AUDIT_DIGEST_CHANNEL", "'C01\\rX'")),
    ],
)
def test_a_bad_digest_channel_in_the_environment_is_one_line(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    unreachable_slack: None,
    value: str,
    words: tuple[str, ...],
) -> None:
    monkeypatch.setenv("IAM_AUDIT_DIGEST_CHANNEL", value)
    code, out, err = run(capsys, "digest", "--demo", "--post")
    assert_one_line_exit_2(code, err, *words)
    assert "could not reach Slack" not in err
    assert out == ""


@pytest.mark.parametrize(
    ("env", "file_channel", "words"),
    [
        ({"IAM_AUDIT_DIGEST_CHANNEL": "<!everyone>"}, None, "IAM_AUDIT_DIGEST_CHANNEL: '<!e"),
        ({}, "#general", "[digest] channel: '#general' is a channel name"),
        ({}, "C" * 300, "[digest] channel: 'CCCCC"),
        ({}, " ", "[digest] channel is empty"),
    ],
)
def test_the_bot_lists_a_bad_digest_channel_among_its_start_up_problems(
    tmp_path: Path, env: dict[str, str], file_channel: str | None, words: str
) -> None:
    config = tmp_path / "bot.toml"
    table = "" if file_channel is None else f"[digest]\nchannel = {json.dumps(file_channel)}\n"
    config.write_text(table, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings({**SLACK_OK, **env}, config_file=config)
    found = [p for p in caught.value.problems if words in p]
    assert found, caught.value.problems
    assert all(len(p) < 300 for p in caught.value.problems)


# --- names IAM would refuse -------------------------------------------------------------------

ACCOUNT = "arn:aws:iam::123456789012"
FAKE_BULLET = "bob\n      - No permissions boundary."
ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def gaad_of(**lists: list[dict]) -> dict:
    return {
        "UserDetailList": [],
        "GroupDetailList": [],
        "RoleDetailList": [],
        "Policies": [],
        **lists,
    }


def _own_arn(kind: str, name: str, fields: dict) -> str:
    """The ARN IAM writes for the entity (the loader checks it agrees with Path and name)."""
    return f"{ACCOUNT}:{kind}{fields.get('Path', '/')}{name}"


def user(name: str = "alice", **fields: object) -> dict:
    return {"UserName": name, "Arn": _own_arn("user", name, fields), **fields}


def role(name: str = "deploy", **fields: object) -> dict:
    return {"RoleName": name, "Arn": _own_arn("role", name, fields), **fields}


def managed(name: str = "ops", **fields: object) -> dict:
    # A policy's ARN is read before its name: a hostile name keeps a plain ARN, so that the
    # name (or the path) is what the loader refuses.
    plain = re.fullmatch(r"[\w+=,.@-]+", name, re.ASCII) and "\n" not in str(fields.get("Path"))
    return {
        "PolicyName": name,
        "Arn": _own_arn("policy", name, fields) if plain else f"{ACCOUNT}:policy/ops",
        "DefaultVersionId": "v1",
        "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": ALLOW_ALL}],
        **fields,
    }


@pytest.mark.parametrize(
    ("lists", "words"),
    [
        (
            {"UserDetailList": [user(FAKE_BULLET)]},
            ("UserDetailList[0]", "UserName 'bob\\n - No permissions", "not an IAM user name"),
        ),
        ({"UserDetailList": [user("al ice")]}, ("UserName 'al ice'", "not an IAM user name")),
        ({"UserDetailList": [user("al\u202eice")]}, ("'al\\u202eice'",)),
        ({"UserDetailList": [user("élodie")]}, ("not an IAM user name",)),
        ({"UserDetailList": [user("a" * 129)]}, ("not an IAM user name", "...")),
        ({"RoleDetailList": [role("r" * 65)]}, ("RoleDetailList[0]", "not an IAM role name")),
        ({"RoleDetailList": [role("<!channel>")]}, ("RoleName '<!channel>'",)),
        (
            {"GroupDetailList": [{"GroupName": "ops\r", "Arn": f"{ACCOUNT}:group/ops"}]},
            ("GroupDetailList[0]", "GroupName 'ops\\r'", "not an IAM group name"),
        ),
        ({"Policies": [managed("ops\n- fixed")]}, ("Policies[0]", "not an IAM managed policy")),
        (
            {"UserDetailList": [user(Path="/team x/")]},
            ("user 'alice'", "Path '/team x/'", "not an IAM path"),
        ),
        ({"RoleDetailList": [role(Path="team/")]}, ("role 'deploy'", "not an IAM path")),
        ({"Policies": [managed(Path="/a\n/")]}, ("policy 'ops'", "not an IAM path")),
        (
            {"UserDetailList": [user(GroupList=["admins\n- MFA enabled"])]},
            ("user 'alice'", "GroupList", "not an IAM group name"),
        ),
        (
            {
                "UserDetailList": [
                    user(UserPolicyList=[{"PolicyName": "a/b", "PolicyDocument": ALLOW_ALL}])
                ]
            },
            ("user 'alice'", "UserPolicyList", "'a/b'", "not an IAM inline policy name"),
        ),
        (
            {
                "RoleDetailList": [
                    role(RolePolicyList=[{"PolicyName": "x\ny", "PolicyDocument": ALLOW_ALL}])
                ]
            },
            ("role 'deploy'", "RolePolicyList", "not an IAM inline policy name"),
        ),
        (
            {
                "UserDetailList": [
                    user(
                        AttachedManagedPolicies=[
                            {"PolicyName": "ops\n- ok", "PolicyArn": f"{ACCOUNT}:policy/ops"}
                        ]
                    )
                ]
            },
            ("user 'alice'", "AttachedManagedPolicies", "not an IAM managed policy name"),
        ),
        (
            {"UserDetailList": [{"UserName": "x", "Arn": f"{ACCOUNT}:user/x\r- fine"}]},
            ("user 'x'", "is not the ARN of an IAM user"),
        ),
    ],
    ids=[
        "user-newline-bullet",
        "user-space",
        "user-bidi",
        "user-non-ascii",
        "user-129",
        "role-65",
        "role-mention",
        "group-cr",
        "managed-policy-newline",
        "user-path-space",
        "role-path-relative",
        "policy-path-newline",
        "grouplist-newline",
        "inline-slash",
        "inline-newline",
        "attached-newline",
        "arn-cr",
    ],
)
def test_a_gaad_name_iam_would_refuse_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lists: dict, words: tuple[str, ...]
) -> None:
    """Names were taken as written: a user name holding a newline and an indented "- ..."
    printed, in the text report, as a second evidence line under the user."""
    path = tmp_path / "gaad.json"
    path.write_text(json.dumps(gaad_of(**lists)), encoding="utf-8")
    code, out, err = run(capsys, "audit", "--gaad", str(path))
    assert_one_line_exit_2(code, err, str(path), *words)
    assert out == ""
    assert len(err) < 500


@pytest.mark.parametrize(
    ("lists", "words"),
    [
        (
            {"UserDetailList": [{"UserName": "alice", "Arn": f"{ACCOUNT}:user/bob"}]},
            ("user 'alice'", "Arn", "user/bob", "not this user's own ARN", "user/alice"),
        ),
        (
            {"UserDetailList": [user("alice", Path="/ops/") | {"Arn": f"{ACCOUNT}:user/alice"}]},
            ("user 'alice'", "not this user's own ARN", "user/ops/alice"),
        ),
        (
            {"RoleDetailList": [role("deploy") | {"Arn": f"{ACCOUNT}:role/admin"}]},
            ("role 'deploy'", "not this role's own ARN"),
        ),
        (
            {"GroupDetailList": [{"GroupName": "devs", "Arn": f"{ACCOUNT}:group/admins"}]},
            ("group 'devs'", "not this group's own ARN"),
        ),
        (
            {"Policies": [managed("ops") | {"Arn": f"{ACCOUNT}:policy/AdministratorAccess"}]},
            ("policy 'ops'", "not this policy's own ARN"),
        ),
    ],
)
def test_a_gaad_arn_that_is_not_the_entitys_own_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lists: dict, words: tuple[str, ...]
) -> None:
    """IAM writes an entity's ARN from its Path and name: a UserName "alice" under the Arn of
    user/bob was audited as one (lookups by name) and reported as the other (findings by ARN)."""
    path = tmp_path / "gaad.json"
    path.write_text(json.dumps(gaad_of(**lists)), encoding="utf-8")
    code, out, err = run(capsys, "audit", "--gaad", str(path))
    assert_one_line_exit_2(code, err, str(path), *words)
    assert out == ""


def test_aws_managed_policies_keep_their_paths_in_the_arn(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = managed("AWSServiceRoleForX", Path="/aws-service-role/") | {
        "Arn": "arn:aws:iam::aws:policy/aws-service-role/AWSServiceRoleForX"
    }
    path = tmp_path / "gaad.json"
    path.write_text(json.dumps(gaad_of(Policies=[policy])), encoding="utf-8")
    code, _, err = run(capsys, "audit", "--gaad", str(path), "-f", "json")
    assert code in (0, 1), err


def test_names_at_iams_own_limits_are_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The longest names IAM keeps, every character it allows, an older inline policy name
    with the wider characters the User Guide allows, nested paths."""
    long_user = "u" * 128  # user names created before the 64-character limit still exist
    gaad = gaad_of(
        UserDetailList=[
            {
                "UserName": long_user,
                "Arn": f"{ACCOUNT}:user/a/b/{long_user}",
                "Path": "/a/b/",
                "GroupList": ["g" * 128],
                "UserPolicyList": [{"PolicyName": "legacy:policy#1(x)", "PolicyDocument": {}}],
            },
            user("Az09_+=,.@-"),
        ],
        RoleDetailList=[role("r" * 64, Path="/aws-service-role/eks.amazonaws.com/")],
        Policies=[managed("p" * 128, Path="/job-function/")],
    )
    path = tmp_path / "gaad.json"
    path.write_text(json.dumps(gaad), encoding="utf-8")
    code, _, err = run(capsys, "audit", "--gaad", str(path), "-f", "json")
    assert code in (0, 1), err


def _demo_snapshot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, dict]:
    snapshot = tmp_path / "snap.json"
    assert run(capsys, "snapshot", "--demo", "-o", str(snapshot))[0] == 0
    capsys.readouterr()
    return snapshot, json.loads(snapshot.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda d: d["users"][0].update(name=FAKE_BULLET), ("users[0]", "not an IAM user name")),
        (lambda d: d["roles"][0].update(path="/a b/"), ("roles[0]", "not an IAM path")),
        (lambda d: d["groups"][0].update(name="g\x1b[2J"), ("groups[0]", "'g\\x1b[2J'")),
        (
            lambda d: d["policies"][0].update(name="p\n"),
            ("policies[0]", "not an IAM managed policy name"),
        ),
        (
            lambda d: d["users"][0].update(groups=["x\ny"]),
            ("users[0]", "groups", "not an IAM group name"),
        ),
        (
            lambda d: d["roles"][0].update(
                inline_policies=[{"name": "a?b", "document": ALLOW_ALL}]
            ),
            ("roles[0]", "inline", "not an IAM inline policy name"),
        ),
    ],
    ids=["user-name", "role-path", "group-name", "policy-name", "user-groups", "inline-name"],
)
def test_a_snapshot_name_iam_would_refuse_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit, words: tuple[str, ...]
) -> None:
    snapshot, data = _demo_snapshot(tmp_path, capsys)
    edit(data)
    snapshot.write_text(json.dumps(data), encoding="utf-8")
    code, out, err = run(capsys, "audit", "--snapshot", str(snapshot))
    assert_one_line_exit_2(code, err, "snap.json", *words)
    assert out == ""


def _arn_of(data: dict, plural: str, other: int) -> str:
    return data[plural][other]["arn"]


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (
            lambda d: d["users"][0].update(arn=_arn_of(d, "users", 1)),
            ("users[0]", "not this user's own ARN"),
        ),
        (
            lambda d: d["roles"][0].update(arn="arn:aws:iam::123456789012:user/x"),
            ("roles[0]", "is not the ARN of an IAM role"),
        ),
        (
            lambda d: d["policies"][0].update(arn=_arn_of(d, "policies", 1)),
            ("policies[0]", "not this policy's own ARN"),
        ),
    ],
    ids=["user-under-another-users-arn", "role-with-a-user-arn", "policy-under-another-arn"],
)
def test_a_snapshot_arn_that_is_not_the_entitys_own_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit, words: tuple[str, ...]
) -> None:
    """As for a GAAD: a snapshot is a file, and an entity under another's ARN was audited as
    one (lookups by name) and reported as the other (findings by ARN)."""
    snapshot, data = _demo_snapshot(tmp_path, capsys)
    edit(data)
    snapshot.write_text(json.dumps(data), encoding="utf-8")
    code, out, err = run(capsys, "audit", "--snapshot", str(snapshot))
    assert_one_line_exit_2(code, err, "snap.json", *words)
    assert out == ""


def test_the_demo_snapshot_still_loads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snapshot, _ = _demo_snapshot(tmp_path, capsys)
    code, _, err = run(capsys, "audit", "--snapshot", str(snapshot), "-f", "json")
    assert code in (0, 1), err
