"""`iam-audit simulate`: single, JSON-lines, friendly and real-principal forms; bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from bot import cli
from bot.aws import session as aws_session
from bot.aws.policy_simulator import PolicySimulator
from bot.clicmd import simulate
from bot.model.errors import CollectionError
from tests import factories as f

DATA = Path(__file__).resolve().parents[1] / "data"
ALICE = "arn:aws:iam::111122223333:user/alice"
# The origin.md MFA policy with a Sid, so messages can name the statement.
MFA = {
    **f.ORIGIN_MFA_EXAMPLE,
    "Statement": [{"Sid": "DenyWithoutMfa", **f.ORIGIN_MFA_EXAMPLE["Statement"][0]}],
}


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(["simulate", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write(tmp_path: Path, name: str, content: Any) -> str:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def request(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "principal": ALICE,
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::example-bucket/a.txt",
        "identity_policies": [f.ORIGIN_S3_EXAMPLE, MFA],
        "context": {"aws:MultiFactorAuthPresent": "true"},
    }
    body.update(overrides)
    return body


# --- --request ---------------------------------------------------------------------------------


def test_single_request_json_answer(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, "req.json", request())
    code, out, err = run_cli(capsys, "--request", path, "--format", "json")
    assert (code, err) == (0, "")
    answer = json.loads(out)
    assert answer["decision"] == "allowed"
    assert answer["matched"] == [
        {"policy": "identity_policies[0]", "statement": 0, "effect": "Allow", "kind": "identity"}
    ]


def test_single_request_with_every_policy_type(tmp_path: Path, capsys) -> None:
    everything = request(
        permission_boundaries=[
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            }
        ],
        scps=[
            [{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}],
            [{"Statement": {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}}],
        ],
        rcps=[],
        session_policy={"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}},
        resource_policy={
            "Statement": {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": "*",
            }
        },
        resource_account="111122223333",
    )
    code, out, _ = run_cli(capsys, "--request", write(tmp_path, "r.json", everything), "-f", "json")
    answer = json.loads(out)
    assert code == 0
    assert answer["decision"] == "implicit_deny"
    assert "level 2 of 2" in answer["reason"]


def test_single_request_text_explains_the_decision(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, "req.json", request(context={}))
    code, out, _ = run_cli(capsys, "--request", path)
    assert code == 0
    assert out.startswith("Decision: EXPLICIT DENY")
    assert "identity_policies[1]  statement DenyWithoutMfa" in out
    assert "Other statements:" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{nope", "not valid JSON"),
        ([1], "must be a JSON object"),
        ({"action": "s3:GetObject", "resource": "*"}, "'principal' is required"),
        (request(extra=1), "unknown request field(s): extra"),
        (request(identity_policies=[{"Statement": []}]), "identity_policies[0]"),
        (request(identity_policies={"a": 1}), "must be a list of policy documents"),
        (request(scps=[{"Statement": []}]), "list of levels"),
        (request(context=["x"]), "'context' must be an object"),
        (request(context={"k": {"a": 1}}), "context value of 'k'"),
        (request(resource_policy=[1]), "resource_policy must be a policy document"),
        (request(resource_account=12), "'resource_account' must be a string"),
        (request(principal_in_management_account="yes"), "must be true or false"),
    ],
)
def test_bad_single_requests_exit_2_with_one_line(
    tmp_path: Path, capsys, content: Any, message: str
) -> None:
    code, out, err = run_cli(capsys, "--request", write(tmp_path, "bad.json", content))
    assert code == 2
    assert out == ""
    assert err.startswith("iam-audit: error:")
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_missing_request_file(tmp_path: Path, capsys) -> None:
    code, _, err = run_cli(capsys, "--request", str(tmp_path / "absent.json"))
    assert code == 2
    assert "not found" in err


# --- --requests (JSON lines) ---------------------------------------------------------------------


def test_jsonl_answers_in_order_and_reports_bad_lines(tmp_path: Path, capsys) -> None:
    lines = [
        json.dumps(request()),
        "{broken",
        json.dumps(request(context={})),
        "",
        json.dumps(request(action="s3:ListBucket", resource="arn:aws:s3:::example-bucket")),
    ]
    path = write(tmp_path, "reqs.jsonl", "\n".join(lines) + "\n")
    code, out, _ = run_cli(capsys, "--requests", path, "--format", "json")
    answers = [json.loads(line) for line in out.splitlines()]
    assert code == 2
    assert len(answers) == 5
    assert answers[0]["decision"] == "allowed"
    assert answers[1]["error"].startswith("line 2: not valid JSON")
    assert answers[2]["decision"] == "explicit_deny"
    assert answers[3] == {"error": "line 4: empty line"}
    assert answers[4]["decision"] == "implicit_deny"


def test_jsonl_all_good_exits_0_and_text_format(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, "reqs.jsonl", json.dumps(request()) + "\n" + json.dumps(request()))
    code, out, _ = run_cli(capsys, "--requests", path)
    assert code == 0
    assert out.splitlines() == [
        "1: allowed: allowed by identity-based policies",
        "2: allowed: allowed by identity-based policies",
    ]


def test_jsonl_text_names_a_bad_line_once(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, "reqs.jsonl", json.dumps(request()) + "\n{broken\n")
    code, out, _ = run_cli(capsys, "--requests", path)
    assert code == 2
    assert out.splitlines()[1].startswith("2: error: not valid JSON")


# --- the friendly form -------------------------------------------------------------------------


def test_friendly_form_with_context_and_boundary(tmp_path: Path, capsys) -> None:
    least = write(tmp_path, "least.json", f.ORIGIN_S3_EXAMPLE)
    mfa = write(tmp_path, "mfa.json", MFA)
    boundary = write(
        tmp_path,
        "boundary.json",
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:List*", "Resource": "*"}],
        },
    )
    base = [
        "--policy",
        least,
        "--policy",
        mfa,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::example-bucket/a",
        "-f",
        "json",
    ]
    code, out, _ = run_cli(capsys, *base, "--context", "aws:MultiFactorAuthPresent=true")
    assert (code, json.loads(out)["decision"]) == (0, "allowed")
    code, out, _ = run_cli(capsys, *base)
    assert json.loads(out)["decision"] == "explicit_deny"
    code, out, _ = run_cli(
        capsys, *base, "--context", "aws:MultiFactorAuthPresent=true", "--boundary", boundary
    )
    assert json.loads(out)["decision"] == "implicit_deny"
    assert "permissions boundary" in json.loads(out)["reason"]


def test_friendly_form_multi_valued_context(tmp_path: Path, capsys) -> None:
    policy = write(
        tmp_path,
        "tags.json",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "ec2:CreateTags",
                    "Resource": "*",
                    "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}},
                }
            ],
        },
    )
    base = ["--policy", policy, "--action", "ec2:CreateTags", "-f", "json"]
    _, out, _ = run_cli(
        capsys, *base, "--context", "aws:TagKeys=env", "--context", "aws:TagKeys=team"
    )
    assert json.loads(out)["decision"] == "allowed"
    _, out, _ = run_cli(capsys, *base, "--context", "aws:TagKeys=env", "--context", "aws:TagKeys=x")
    assert json.loads(out)["decision"] == "implicit_deny"
    base[-2:] = ["-f", "text"]
    _, out, _ = run_cli(capsys, *base, "--context", "aws:TagKeys=env", "--context", "aws:TagKeys=x")
    assert "Context: aws:TagKeys=[env, x]" in out


# AWS's advice (Multivalued context key examples): ForAllValues "also returns true if ... the
# context key value resolves to a null dataset, such as an empty string"; a Null false "to
# prevent missing context keys or context keys with empty values from evaluating to true".
_TAG_ONLY_ENV = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "iam:TagRole",
            "Resource": "*",
            "Condition": {
                "Null": {"aws:TagKeys": "false"},
                "ForAllValues:StringEquals": {"aws:TagKeys": ["env"]},
            },
        }
    ],
}


@pytest.mark.parametrize(
    ("tag_keys", "decision"),
    [(["env"], "allowed"), ([""], "implicit_deny"), ([], "implicit_deny"), (None, "implicit_deny")],
)
def test_requests_file_tag_keys_holding_only_an_empty_string_are_null(
    tmp_path: Path, capsys, tag_keys: list[str] | None, decision: str
) -> None:
    """A request file's ``"aws:TagKeys": [""]`` is the empty data set: the Null false guard keeps
    the vacuous ForAllValues from allowing, as it does for [] and an absent key."""
    context = {} if tag_keys is None else {"aws:TagKeys": tag_keys}
    body = request(
        action="iam:TagRole",
        resource="arn:aws:iam::111122223333:role/app",
        identity_policies=[_TAG_ONLY_ENV],
        context=context,
    )
    path = write(tmp_path, "reqs.jsonl", json.dumps(body) + "\n")
    code, out, _ = run_cli(capsys, "--requests", path, "--format", "json")
    assert code == 0
    assert json.loads(out)["decision"] == decision


def test_friendly_form_empty_tag_keys_value_is_null(tmp_path: Path, capsys) -> None:
    """``--context aws:TagKeys=`` gives the multivalued key one empty string: null, so the Null
    false guard does not hold."""
    policy = write(tmp_path, "tags.json", _TAG_ONLY_ENV)
    base = ["--policy", policy, "--action", "iam:TagRole", "-f", "json"]
    _, out, _ = run_cli(capsys, *base, "--context", "aws:TagKeys=")
    assert json.loads(out)["decision"] == "implicit_deny"
    _, out, _ = run_cli(capsys, *base, "--context", "aws:TagKeys=env")
    assert json.loads(out)["decision"] == "allowed"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--action", "s3:GetObject"], "give the policies"),
        (["--policy", "{P}"], "--action"),
        (["--policy", "{P}", "--action", "s3:GetObject", "--context", "novalue"], "KEY=VALUE"),
        (["--policy", "{BAD}", "--action", "s3:GetObject"], "Effect must be"),
        (["--policy", "{P}", "--action", "a", "--snapshot", "{P}"], "need --principal"),
        (["--request", "{P}", "--requests", "{P}"], "not allowed with argument"),
        (["--request", "{P}", "--action", "s3:GetObject"], "drop --action"),
        (["--requests", "{P}", "--policy", "{P}"], "drop --policy"),
    ],
)
def test_friendly_form_bad_input(tmp_path: Path, capsys, argv: list[str], message: str) -> None:
    good = write(tmp_path, "p.json", f.ORIGIN_S3_EXAMPLE)
    bad = write(tmp_path, "bad.json", {"Statement": [{"Effect": "Perhaps", "Action": "*"}]})
    filled = [a.replace("{P}", good).replace("{BAD}", bad) for a in argv]
    code, out, err = run_cli(capsys, *filled)
    assert code == 2
    assert out == ""
    assert message in err
    assert "Traceback" not in err


# --- a real principal from a snapshot or GAAD ----------------------------------------------------


def test_principal_from_gaad(capsys) -> None:
    gaad = str(DATA / "gaad_sample.json")
    argv = ["--principal", "arn:aws:iam::111122223333:user/ana", "--gaad", gaad, "-f", "json"]
    code, out, _ = run_cli(capsys, *argv, "--action", "iam:CreateUser")
    answer = json.loads(out)
    assert code == 0
    assert answer["decision"] == "allowed"  # through the admins group's AdministratorAccess
    assert answer["matched"][0]["policy"] == "arn:aws:iam::aws:policy/AdministratorAccess"


def test_role_trust_policy_is_used_for_assume_role(capsys) -> None:
    gaad = str(DATA / "gaad_sample.json")
    argv = [
        "--gaad", gaad, "--action", "sts:AssumeRole", "--resource",
        "arn:aws:iam::111122223333:role/web", "-f", "json", "--principal",
    ]  # fmt: skip
    code, out, _ = run_cli(capsys, *argv, "arn:aws:iam::111122223333:user/ana")
    answer = json.loads(out)
    # ana is an administrator, but the role trusts only EC2: a trust policy must allow
    assert code == 0
    assert answer["decision"] == "implicit_deny"
    assert "trust policy" in answer["reason"]
    code, out, _ = run_cli(capsys, *argv, "ec2.amazonaws.com")
    assert code == 2  # a service is no principal of the snapshot


def test_principal_from_snapshot_with_boundary(tmp_path: Path, capsys) -> None:
    boundary = f.managed_policy("boundary", f.allow("s3:*"))
    admin = f.managed_policy("admin", f.allow("*"))
    bob = f.user(
        "bob", groups=[], attached_policies=[admin.arn], permissions_boundary_arn=boundary.arn
    )
    snapshot = f.snapshot(users=[bob], policies=[boundary, admin])
    path = write(tmp_path, "snap.json", snapshot.to_dict())
    argv = ["--principal", bob.arn, "--snapshot", path]
    code, out, _ = run_cli(capsys, *argv, "--action", "iam:CreateUser")
    assert code == 0
    assert "IMPLICIT DENY" in out
    assert "permissions boundary" in out
    code, out, _ = run_cli(capsys, *argv, "--action", "s3:GetObject", "-f", "json")
    assert json.loads(out)["decision"] == "allowed"


def test_unknown_principal_in_snapshot(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, "snap.json", f.snapshot().to_dict())
    code, _, err = run_cli(
        capsys, "--principal", f.user_arn("nobody"), "--snapshot", path, "--action", "s3:GetObject"
    )
    assert code == 2
    assert "no user with ARN" in err


def test_output_file(tmp_path: Path, capsys) -> None:
    target = tmp_path / "answer.json"
    code, out, _ = run_cli(
        capsys, "--request", write(tmp_path, "r.json", request()), "-f", "json", "-o", str(target)
    )
    assert code == 0
    assert out == ""
    assert json.loads(target.read_text())["decision"] == "allowed"


def test_friendly_form_with_resource_and_session_policies(tmp_path: Path, capsys) -> None:
    outsider = "arn:aws:iam::444455556666:user/eve"
    identity = write(tmp_path, "id.json", f.ORIGIN_S3_EXAMPLE)
    bucket = write(tmp_path, "bucket.json", {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::example-bucket/*"}]})  # fmt: skip
    base = [
        "--principal", outsider, "--action", "s3:GetObject", "-f", "json",
        "--resource", "arn:aws:s3:::example-bucket/a", "--resource-account", "111122223333",
    ]  # fmt: skip
    _, out, _ = run_cli(capsys, *base, "--policy", identity)
    assert "cross-account" in json.loads(out)["reason"]
    _, out, _ = run_cli(capsys, *base, "--policy", identity, "--resource-policy", bucket)
    answer = json.loads(out)
    assert answer["decision"] == "allowed"
    assert {m["kind"] for m in answer["matched"]} == {"identity", "resource"}
    session = write(tmp_path, "session.json", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]})  # fmt: skip
    _, out, _ = run_cli(
        capsys,
        *base,
        "--policy",
        identity,
        "--resource-policy",
        bucket,
        "--session-policy",
        session,
    )
    assert json.loads(out)["decision"] == "implicit_deny"


@pytest.mark.parametrize(
    ("action", "fragments"),
    [
        ("s3:GetObjekt", ["s3:GetObjekt is not an action of s3", "did you mean s3:GetObject"]),
        ("s4:GetObject", ["there is no AWS service with prefix 's4'", "s3"]),
        ("GetObject", ["'GetObject' is not an action name (service:Action)"]),
    ],
)
def test_an_unknown_action_is_answered_with_a_warning(
    tmp_path: Path, capsys, action: str, fragments: list[str]
) -> None:
    least = write(tmp_path, "least.json", f.ORIGIN_S3_EXAMPLE)
    code, out, err = run_cli(capsys, "--policy", least, "--action", action, "-f", "json")
    assert code == 0
    assert json.loads(out)["decision"] == "implicit_deny"  # still evaluated as written
    (line,) = err.splitlines()
    assert line.startswith("iam-audit: warning: ")
    assert line.endswith("The answer evaluates it as written.")
    for fragment in fragments:
        assert fragment in line


def test_a_known_action_gets_no_warning(tmp_path: Path, capsys) -> None:
    least = write(tmp_path, "least.json", f.ORIGIN_S3_EXAMPLE)
    code, _, err = run_cli(capsys, "--policy", least, "--action", "S3:getobject")
    assert (code, err) == (0, "")


def test_not_action_explains_that_it_leaves_the_action_out(tmp_path: Path, capsys) -> None:
    everything_but_iam = write(
        tmp_path,
        "but-iam.json",
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}],
        },
    )
    code, out, _ = run_cli(capsys, "--policy", everything_but_iam, "--action", "iam:CreateUser")
    assert code == 0
    assert "statement 0: NotAction lists the action, so the statement leaves it out" in out
    assert "does not cover" not in out


# --- AWS's documented rules through the CLI -------------------------------------------------

KEY = "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_kms_key_needs_its_key_policy(tmp_path: Path, capsys) -> None:
    """AWS KMS Developer Guide, "Key policies in AWS KMS": an IAM policy alone does not give
    access to a key; the default key policy delegates to IAM policies."""
    identity = write(tmp_path, "p.json", f.policy_document(f.statement(action="kms:Decrypt")))
    code, out, _ = run_cli(
        capsys, "--policy", identity, "--action", "kms:Decrypt", "--resource", KEY
    )
    assert code == 0
    assert "Decision: IMPLICIT DENY" in out
    assert "--resource-policy" in out
    default_key_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
    key_policy = write(tmp_path, "key.json", default_key_policy)
    code, out, _ = run_cli(
        capsys,
        "--policy",
        identity,
        "--resource-policy",
        key_policy,
        "--action",
        "kms:Decrypt",
        "--resource",
        KEY,
    )
    assert (code, out.splitlines()[0]) == (0, "Decision: ALLOWED")


def test_star_resource_asks_about_any_resource(tmp_path: Path, capsys) -> None:
    """IAM User Guide, "IAM JSON policy elements: Resource": `*` (the default) asks whether the
    action is allowed on some resource; an action without resource types reads `*` literally."""
    grant = f.policy_document(
        f.statement(action="s3:GetObject", resource="arn:aws:s3:::amzn-s3-demo-bucket/*"),
        f.statement(action="s3:ListAllMyBuckets", resource="arn:aws:s3:::amzn-s3-demo-bucket"),
    )
    path = write(tmp_path, "p.json", grant)
    code, out, _ = run_cli(capsys, "--policy", path, "--action", "s3:GetObject")
    assert code == 0
    assert out.startswith("Decision: ALLOWED")
    assert "a resource pattern" in out
    code, out, _ = run_cli(capsys, "--policy", path, "--action", "s3:ListAllMyBuckets")
    assert code == 0
    assert out.startswith("Decision: IMPLICIT DENY")
    assert "a resource pattern" not in out


def test_request_can_read_a_wildcard_resource_literally(tmp_path: Path, capsys) -> None:
    body = request(resource="arn:aws:s3:::example-bucket/*", resource_is_pattern=False)
    body["identity_policies"] = [
        f.policy_document(
            f.statement(action="s3:GetObject", resource="arn:aws:s3:::example-bucket/a")
        )
    ]
    path = write(tmp_path, "req.json", body)
    code, out, _ = run_cli(capsys, "--request", path, "-f", "json")
    assert (code, json.loads(out)["decision"]) == (0, "implicit_deny")
    body["resource_is_pattern"] = True
    path = write(tmp_path, "req.json", body)
    code, out, _ = run_cli(capsys, "--request", path, "-f", "json")
    assert (code, json.loads(out)["decision"]) == (0, "allowed")
    body["resource_is_pattern"] = "yes"
    path = write(tmp_path, "req.json", body)
    code, _, err = run_cli(capsys, "--request", path)
    assert code == 2
    assert "resource_is_pattern" in err


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        (
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Principal": "arn:aws:iam::111122223333:root",
            },
            'must name its type, e.g. {"AWS": "arn:aws:iam::111122223333:root"}',
        ),
        ({"Effect": "Allow", "Action": "s3:", "Resource": "*"}, "names no action after the colon"),
    ],
)
def test_policies_aws_refuses_to_store_are_refused(
    tmp_path: Path, capsys, statement: dict[str, Any], message: str
) -> None:
    """IAM User Guide, "IAM JSON policy element reference" (Principal, Action): AWS rejects a
    Principal given as a bare ARN string and an action without a name; so does simulate, with
    exit 2 and one line saying what to write instead, never a traceback."""
    path = write(tmp_path, "bad.json", {"Version": "2012-10-17", "Statement": [statement]})
    code, out, err = run_cli(capsys, "--resource-policy", path, "--action", "s3:GetObject")
    assert (code, out) == (2, "")
    assert message in err
    assert "Traceback" not in err
    empty = write(tmp_path, "empty.json", {"Version": "2012-10-17", "Statement": []})
    code, _, err = run_cli(capsys, "--policy", empty, "--action", "s3:GetObject")
    assert code == 2
    assert "at least one statement" in err


def test_everything_aws_stores_is_accepted(tmp_path: Path, capsys) -> None:
    """Shapes AWS stores (a single statement object, string values, Principal "*", NotPrincipal,
    NotAction/NotResource, 2008 version, a Condition with a list) are all simulated."""
    document = {
        "Version": "2008-10-17",
        "Statement": {
            "Effect": "Deny",
            "NotPrincipal": {"AWS": ["arn:aws:iam::111122223333:root"]},
            "NotAction": "s3:GetObject",
            "NotResource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}},
        },
    }
    path = write(tmp_path, "rp.json", document)
    identity = write(tmp_path, "p.json", f.policy_document(f.statement(action="*")))
    code, out, err = run_cli(
        capsys, "--policy", identity, "--resource-policy", path, "--action", "s3:PutObject"
    )
    assert code == 0, err
    assert out.startswith("Decision:")


# --- --aws: AWS's simulator as a second opinion ---------------------------------------------


OBJECT = "arn:aws:s3:::example-bucket/a.txt"


def stubbed_simulator(
    monkeypatch: pytest.MonkeyPatch, calls: list[list[tuple[str, str]]]
) -> list[dict]:
    """Replace the AWS adapter's client by a Stubber: one response per call, each a list of
    (action, EvalDecision) on OBJECT. Returns the parameters each call sent."""
    client = boto3.client(
        "iam", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )
    stub = Stubber(client)
    sent: list[dict] = []
    for results in calls:
        stub.add_response(
            "simulate_custom_policy",
            {
                "EvaluationResults": [
                    {"EvalActionName": action, "EvalResourceName": OBJECT, "EvalDecision": decision}
                    for action, decision in results
                ],
                "IsTruncated": False,
            },
            None,  # checked below through ``sent``: the request carries context entries too
        )
    client.meta.events.register(
        "provide-client-params.iam.SimulateCustomPolicy",
        lambda params, **_: sent.append(dict(params)),
    )
    stub.activate()
    monkeypatch.setattr(
        simulate, "_simulator_factory", lambda _args: lambda: PolicySimulator(client)
    )
    return sent


def test_aws_agreement_is_shown(tmp_path: Path, capsys, monkeypatch) -> None:
    sent = stubbed_simulator(monkeypatch, [[("s3:GetObject", "allowed")]])
    path = write(tmp_path, "req.json", request())
    code, out, _ = run_cli(capsys, "--request", path, "--aws")
    assert code == 0
    assert "AWS's simulator: allowed -- agrees" in out
    assert "Local engine and AWS's simulator agree on 1 of 1 requests" in out
    # AWS got the same documents and request the local engine evaluated
    assert sent[0]["ActionNames"] == ["s3:GetObject"]
    assert sent[0]["ResourceArns"] == ["arn:aws:s3:::example-bucket/a.txt"]
    assert [json.loads(p) for p in sent[0]["PolicyInputList"]] == [f.ORIGIN_S3_EXAMPLE, MFA]
    assert sent[0]["ContextEntries"][0]["ContextKeyType"] == "boolean"


def test_aws_difference_is_shown_and_logged(tmp_path: Path, capsys, monkeypatch, caplog) -> None:
    stubbed_simulator(monkeypatch, [[("s3:GetObject", "implicitDeny")]])
    path = write(tmp_path, "req.json", request())
    with caplog.at_level("WARNING", logger="bot.iam.second_opinion"):
        code, out, _ = run_cli(capsys, "--request", path, "--aws", "-f", "json")
    answer = json.loads(out)
    assert code == 0
    assert answer["aws"] == {"decision": "implicit_deny", "agrees": False}
    assert answer["second_opinion"] == ("local engine and AWS's simulator agree on 0 of 1 requests")
    logged = [r.getMessage() for r in caplog.records if "differ" in r.getMessage()]
    assert len(logged) == 1
    assert '"action": "s3:GetObject"' in logged[0]
    assert '"local": "allowed"' in logged[0]


def test_aws_over_request_lines_counts_what_it_could_ask(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    # lines 1 and 2 share policies and context: AWS gets them in one call
    sent = stubbed_simulator(
        monkeypatch, [[("s3:GetObject", "allowed"), ("s3:PutObject", "allowed")]]
    )
    lines = [
        request(),
        request(action="s3:PutObject"),
        # AWS's custom simulation takes no session policy: not asked
        request(
            principal="arn:aws:sts::111122223333:assumed-role/app/s1",
            session_policy=f.policy_document(f.statement(action="s3:*")),
        ),
    ]
    path = write(tmp_path, "reqs.jsonl", "\n".join(json.dumps(line) for line in lines))
    code, out, _ = run_cli(capsys, "--requests", path, "--aws")
    assert code == 0
    rows = out.splitlines()
    assert rows[0].endswith("[AWS agrees]")
    assert rows[1].startswith("2: implicit_deny")
    assert rows[1].endswith("[AWS: allowed, differs]")
    assert "[AWS" not in rows[2]
    assert (
        "Local engine and AWS's simulator agree on 1 of 2 requests"
        " (1 not asked: AWS's simulator cannot take them)" in out
    )
    assert len(sent) == 1
    assert sent[0]["ActionNames"] == ["s3:GetObject", "s3:PutObject"]


def test_without_credentials_only_the_local_engine_answers(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    def no_credentials(**_: object) -> None:
        raise CollectionError("no AWS credentials found: configure a profile")

    monkeypatch.setattr(aws_session, "make_session", no_credentials)
    path = write(tmp_path, "req.json", request())
    code, out, err = run_cli(capsys, "--request", path, "--aws")
    assert code == 0
    assert out.startswith("Decision: ALLOWED")
    assert out.rstrip().endswith(
        "Only the local engine answered: no AWS credentials found: configure a profile"
    )
    assert "Traceback" not in err


def test_aws_about_a_live_principal_uses_simulate_principal_policy(capsys, monkeypatch) -> None:
    """With --principal and a snapshot, AWS is asked about the live user (its policies in the
    account now): IAM API Reference, SimulatePrincipalPolicy with PolicySourceArn."""
    client = boto3.client(
        "iam", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )
    ana = "arn:aws:iam::111122223333:user/ana"
    with Stubber(client) as stub:
        stub.add_response(
            "simulate_principal_policy",
            {
                "EvaluationResults": [
                    {
                        "EvalActionName": "s3:GetObject",
                        "EvalResourceName": "*",
                        "EvalDecision": "implicitDeny",
                        "MissingContextValues": ["aws:MultiFactorAuthPresent"],
                    }
                ],
                "IsTruncated": False,
            },
            {"PolicySourceArn": ana, "ActionNames": ["s3:GetObject"], "ResourceArns": ["*"]},
        )
        monkeypatch.setattr(
            simulate, "_simulator_factory", lambda _args: lambda: PolicySimulator(client)
        )
        gaad = str(DATA / "gaad_sample.json")
        argv = ["--principal", ana, "--gaad", gaad, "--action", "s3:GetObject", "--aws"]
        code, out, _ = run_cli(capsys, *argv)
        stub.assert_no_pending_responses()
    assert code == 0
    assert "AWS's simulator: implicit_deny" in out
    assert "AWS lacked context values: aws:MultiFactorAuthPresent" in out


def test_a_bucket_policy_may_repeat_a_sid_an_identity_policy_may_not(
    tmp_path: Path, capsys
) -> None:
    """IAM User Guide, "IAM JSON policy elements: Sid": "In IAM, the Sid value must be unique
    within a JSON policy"; S3 stores bucket policies whose statements share a Sid, so simulate
    takes them as resource policies and still refuses them as IAM policies."""
    statement = {
        "Sid": "Shared",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
    }
    bucket = {
        "Version": "2012-10-17",
        "Statement": [statement, {**statement, "Action": "s3:PutObject"}],
    }
    path = write(tmp_path, "bucket.json", bucket)
    argv = ["--resource-policy", path, "--principal", ALICE, "--action", "s3:PutObject"]
    code, out, err = run_cli(capsys, *argv, "--resource", "arn:aws:s3:::amzn-s3-demo-bucket/a")
    assert code == 0, err
    assert out.startswith("Decision: ALLOWED")
    code, _, err = run_cli(capsys, "--policy", path, "--action", "s3:PutObject")
    assert code == 2
    assert "must be unique" in err


def test_aws_managed_policy_cannot_be_changed_even_by_an_administrator(
    tmp_path: Path, capsys
) -> None:
    """IAM User Guide, "AWS managed policies": they cannot be changed; the default caller is a
    user of our own account, not of the pseudo-account `aws` in the policy's ARN."""
    admin = write(tmp_path, "admin.json", f.policy_document(f.statement(action="*")))
    argv = ["--policy", admin, "--action", "iam:CreatePolicyVersion"]
    code, out, _ = run_cli(capsys, *argv, "--resource", "arn:aws:iam::aws:policy/ReadOnlyAccess")
    assert code == 0
    assert out.startswith("Decision: IMPLICIT DENY")
    assert "AWS managed policies belong to AWS" in out
    assert "arn:aws:iam::000000000000:user/policy-simulator" in out
