"""`/iam-audit audit account <id|all>` end to end: signed requests, moto Organizations + STS.

The organization is moto's: a management account and three members, each with its own IAM user.
One member's role "cannot be assumed": a botocore before-call handler on the hub session answers
its AssumeRole with STS's 403 AccessDenied (tests/organization_support.py);
every other account is really entered through moto's multi-account support.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bot.aws.collect import collect_snapshot
from bot.organizations.member_audits import build_organization
from tests.organization_support import (
    EXTERNAL_ID,
    ROLE,
    RefuseAssumeRole,
    create_organization,
    member_user,
)
from tests.scenario.harness import Bot, action_body, event_body

MANAGEMENT = "123456789012"  # moto's default account, the organization's management account


def quick_collect(session: boto3.Session, _account_id: str, now: datetime):
    return collect_snapshot(session, now=now, sleep=lambda _s: None)


@pytest.fixture
def org() -> Iterator[dict[str, Any]]:
    """A moto organization: the management account and three members, one refusing the role."""
    with mock_aws():
        hub = boto3.Session(region_name="us-east-1")
        organization = create_organization(hub)
        members = [account for account, _session in organization]
        for index, (_account, member) in enumerate(organization):
            iam = member.client("iam")
            iam.create_access_key(UserName=member_user(index))
            iam.put_user_policy(
                UserName=member_user(index),
                PolicyName="everything",
                PolicyDocument=json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                    }
                ),
            )
        refuse = RefuseAssumeRole({members[1]})
        hub.events.register("before-call.sts.AssumeRole", refuse)
        yield {"hub": hub, "members": members, "refused": members[1], "refuse": refuse}


ORG_ENV = {
    "IAM_AUDIT_DEMO": "false",
    "IAM_AUDIT_ORG_ROLE": ROLE,
    "IAM_AUDIT_EXTERNAL_ID": EXTERNAL_ID,
    "IAM_AUDIT_ACCOUNT_WORKERS": "2",
    "IAM_AUDIT_PAGE_SIZE": "2",
}


def org_bot(make_bot, org: dict[str, Any], **env: str) -> Bot:
    bot = make_bot(env={**ORG_ENV, **env})
    bot.services.organization = build_organization(
        bot.services,
        session=lambda: org["hub"],
        collect=quick_collect,
        sleep=bot.sleeps,
        lock_poll_seconds=0.0,
    )
    return bot


def _final(bot: Bot, fragment: str) -> dict[str, Any]:
    bot.mock.wait_until(
        lambda calls: any(
            c.method == "chat.update" and fragment in c.body.get("text", "") for c in calls
        ),
        timeout=60,
    )
    return [u.body for u in bot.mock.calls_to("chat.update") if fragment in u.body["text"]][-1]


def test_audit_all_fans_out_isolates_the_refused_account_and_caches_each_report(
    make_bot, org
) -> None:
    bot = org_bot(make_bot, org)
    assert bot.command("audit account all") == 200

    posted = bot.mock.wait_for("chat.postMessage")[0].body
    assert "listing accounts" in posted["text"]
    final = _final(bot, "IAM audit of 4 accounts")
    # Progress went through every count as accounts finished, in order.
    counts = [
        u.body["text"]
        for u in bot.mock.calls_to("chat.update")
        if "accounts audited" in u.body["text"]
    ]
    seen = [c.split("(")[1].split(" ")[0] for c in counts]
    assert seen[0] == "0/4"
    assert seen[-1] == "4/4"
    assert seen == sorted(seen, key=lambda s: int(s.split("/")[0]))

    text = json.dumps(final["blocks"])
    assert "IAM audit: 4 accounts" in final["blocks"][0]["text"]["text"]
    assert "3 audited, 1 failed" in text
    assert "Not audited (1)" in text
    assert org["refused"] in text
    assert "AccessDenied" in text
    # The role was assumed with the configured ExternalId in every account.
    assert {r.get("ExternalId") for r in org["refuse"].requests} == {EXTERNAL_ID}
    assert {r["RoleArn"].split(":")[4] for r in org["refuse"].requests} >= set(org["members"])
    # One "Findings" button per audited account, each naming that account's cached report.
    buttons = [
        b["accessory"] for b in final["blocks"] if b.get("accessory", {}).get("type") == "button"
    ]
    assert len(buttons) == 3
    report_ids = [json.loads(b["value"])["r"] for b in buttons]
    audited = {org["members"][0], org["members"][2], MANAGEMENT}
    assert {rid.split("-")[0] for rid in report_ids} == audited
    for account in audited:
        stored = bot.services.store.latest_report(account)
        assert stored is not None
        assert stored.data["account_id"] == account
    assert bot.services.store.latest_report(org["refused"]) is None
    # The plain-text table goes into the thread.
    bot.mock.wait_for("files.completeUploadExternal")

    # `status <id>` reads that member account's cached report.
    member = org["members"][0]
    bot.command(f"status {member}", response_url=bot.mock.response_url("s1"))
    reply = bot.mock.wait_for("response_url")[-1].body
    assert f"Status: account {member}" in json.dumps(reply["blocks"])

    # "Findings" posts the account's first page in the thread; paging works on it.
    button = next(b for b in buttons if json.loads(b["value"])["r"].startswith(member))
    before = len(bot.mock.calls_to("chat.postMessage"))
    bot.post(action_body("audit_open_account", button["value"], action_ts="1.1"))
    page = bot.mock.wait_for("chat.postMessage", before + 1)[-1].body
    assert page["thread_ts"]
    assert f"IAM audit: account {member}" in page["blocks"][0]["text"]["text"]
    assert "Remediate" not in json.dumps(page["blocks"])  # remediations act on the bot's account
    nav = [b for b in page["blocks"] if b["type"] == "actions"][-1]
    more = next(e for e in nav["elements"] if e["action_id"] == "audit_show_more")
    updates = len(bot.mock.calls_to("chat.update"))
    bot.post(action_body("audit_show_more", more["value"], action_ts="1.2"))
    page2 = bot.mock.wait_for("chat.update", updates + 1)[-1].body
    assert "page 2/" in json.dumps(page2["blocks"])
    assert f"account {member}" in json.dumps(page2["blocks"])

    # App Home now summarises across the accounts: one line each plus totals.
    bot.post(event_body({"type": "app_home_opened", "user": "U111", "tab": "home"}))
    view = bot.mock.wait_for("views.publish")[-1].body["view"]
    view = json.loads(view) if isinstance(view, str) else view
    home = json.dumps(view["blocks"])
    assert "IAM posture: 3 accounts" in home
    for account in audited:
        assert account in home
    assert org["refused"] not in home


def test_one_member_account_is_audited_through_the_role(make_bot, org) -> None:
    bot = org_bot(make_bot, org)
    member = org["members"][2]
    bot.command(f"audit account {member} --min-severity high")
    final = _final(bot, f"IAM audit of account {member}")
    assert f"IAM audit: account {member}" in final["blocks"][0]["text"]["text"]
    assert "showing high and worse" in json.dumps(final["blocks"])
    assert bot.services.store.latest_report(member) is not None
    # The bot's own account was not touched.
    assert bot.collections == 0


def test_a_refused_member_account_says_why(make_bot, org) -> None:
    bot = org_bot(make_bot, org)
    bot.command(f"audit account {org['refused']}")
    final = _final(bot, "The audit failed")
    text = final["text"]
    assert f"arn:aws:iam::{org['refused']}:role/{ROLE}" in text
    assert "AccessDenied" in text
    assert "ExternalId" in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("audit account", "Which account?"),
        ("audit account 12345", "not an account"),
        ("audit account prod", "not an account"),
        ("audit account all --frobnicate", "unknown option --frobnicate"),
        ("audit account all no.such_check", "no.such_check"),
    ],
)
def test_bad_input_gets_a_short_ephemeral_answer(make_bot, org, text, expected) -> None:
    bot = org_bot(make_bot, org)
    bot.command(text)
    reply = bot.mock.wait_for("response_url")[0].body
    assert reply["response_type"] == "ephemeral"
    assert expected in reply["text"]
    assert len(reply["text"]) < 300
    assert bot.mock.calls_to("chat.postMessage") == []


def test_an_account_outside_the_configured_list_is_refused(make_bot, org) -> None:
    allowed = org["members"][0]
    bot = org_bot(make_bot, org, IAM_AUDIT_ACCOUNTS=allowed)
    bot.command(f"audit account {org['members'][2]}")
    reply = bot.mock.wait_for("response_url")[0].body
    assert "not among the configured accounts" in reply["text"]
    # `all` means the configured list, not the whole organization.
    bot.command("audit account all", response_url=bot.mock.response_url("r2"))
    final = _final(bot, "IAM audit of 1 account:")
    assert allowed in json.dumps(final["blocks"])
    assert org["refused"] not in json.dumps(final["blocks"])


def test_the_audit_allowlist_applies(make_bot, org) -> None:
    bot = org_bot(make_bot, org, IAM_AUDIT_ALLOW_AUDIT="U999")
    bot.command("audit account all")
    reply = bot.mock.wait_for("response_url")[0].body
    assert "not allowed" in reply["text"] or "not authorized" in reply["text"].lower()
    assert bot.mock.calls_to("chat.postMessage") == []
    assert org["refuse"].requests == []


def test_demo_mode_audits_the_demo_account_as_a_one_account_organization(make_bot) -> None:
    bot = make_bot()  # IAM_AUDIT_DEMO=true: no AWS at all
    bot.command("audit account all")
    final = _final(bot, "IAM audit of 1 account:")
    assert "(demo)" in final["blocks"][0]["text"]["text"]
    assert MANAGEMENT in json.dumps(final["blocks"])
    bot.command("audit account 111122223333", response_url=bot.mock.response_url("r2"))
    reply = bot.mock.wait_for("response_url")[-1].body
    assert "demo organization has one account" in reply["text"]


def test_a_second_request_joins_the_running_organization_audit(make_bot, org) -> None:
    import threading

    gate = threading.Event()
    started = threading.Event()
    collected: list[str] = []

    def gated_collect(session: boto3.Session, account_id: str, now: datetime):
        collected.append(account_id)
        started.set()
        gate.wait(timeout=30)
        return quick_collect(session, account_id, now)

    bot = make_bot(env=ORG_ENV)
    bot.services.organization = build_organization(
        bot.services,
        session=lambda: org["hub"],
        collect=gated_collect,
        sleep=bot.sleeps,
        lock_poll_seconds=0.0,
    )
    bot.command("audit account all")
    assert started.wait(timeout=30)
    bot.command("audit account all", response_url=bot.mock.response_url("r2"))
    bot.mock.wait_until(
        lambda calls: any("joined" in json.dumps(c.body.get("blocks", "")) for c in calls)
    )
    gate.set()
    bot.mock.wait_until(
        lambda calls: (
            len(
                {c.body["ts"] for c in calls if "IAM audit of 4 accounts" in c.body.get("text", "")}
            )
            == 2
        ),
        timeout=60,
    )
    # Both messages got the result of one audit: every reachable account was collected once.
    assert sorted(collected) == sorted({*org["members"], MANAGEMENT} - {org["refused"]})


def test_status_of_a_bad_account_id_answers_with_the_usage(make_bot, org) -> None:
    bot = org_bot(make_bot, org)
    bot.command("status prod")
    reply = bot.mock.wait_for("response_url")[0].body
    assert "Usage: /iam-audit status [account-id]" in reply["text"]
    bot.command("status 210987654321", response_url=bot.mock.response_url("r2"))
    reply = bot.mock.wait_for("response_url", 2)[-1].body
    assert "No audit of account 210987654321 yet" in reply["text"]


def test_all_outside_an_organization_says_what_to_do_instead(make_bot, org) -> None:
    from botocore.awsrequest import AWSResponse

    def not_in_use(**_: Any) -> Any:
        response = AWSResponse("https://organizations.us-east-1.amazonaws.com/", 400, {}, None)
        return response, {"Error": {"Code": "AWSOrganizationsNotInUseException", "Message": "-"}}

    org["hub"].events.register("before-call.organizations.ListAccounts", not_in_use)
    bot = org_bot(make_bot, org)
    bot.command("audit account all")
    final = _final(bot, "The audit failed")
    assert "not in an AWS Organization" in final["text"]
    assert "/iam-audit audit account &lt;id&gt;" in final["text"]  # Slack shows <id>
    assert "--accounts" not in final["text"]
    assert org["refuse"].requests == []  # no role was assumed


def test_member_accounts_are_audited_in_the_worker_processes_not_the_bots_threads(
    make_bot, org
) -> None:
    """With a worker pool configured (the default outside tests), `audit account all` hands each
    member's checks to it, like the single-account path, so the acking interpreter stays free."""
    from bot.runs.workers import ProcessAuditor

    bot = make_bot(env=ORG_ENV, audit_processes=1)
    pool = bot.services.auditor
    assert isinstance(pool, ProcessAuditor)
    outputs: list[Any] = []

    def recording(snapshot, **kwargs: Any):
        output = pool(snapshot, **kwargs)
        outputs.append(output)
        return output

    bot.services.auditor = recording
    bot.services.organization = build_organization(
        bot.services,
        session=lambda: org["hub"],
        collect=quick_collect,
        sleep=bot.sleeps,
        lock_poll_seconds=0.0,
    )
    bot.command("audit account all")
    _final(bot, "IAM audit of 4 accounts")
    audited = {MANAGEMENT, *org["members"]} - {org["refused"]}  # the refused one is not collected
    assert sorted(o.report.account_id for o in outputs) == sorted(audited)
    # Only a worker process makes the attachment's JSON: the checks ran there.
    assert all(output.report_json for output in outputs)


def test_without_a_pool_member_accounts_are_audited_inline(make_bot, org) -> None:
    from bot.runs.workers import inline_auditor

    bot = org_bot(make_bot, org)  # audit_processes=0: the tests' default
    assert bot.services.auditor is inline_auditor
    bot.command("audit account all")
    final = _final(bot, "IAM audit of")
    assert org["members"][0] in json.dumps(final["blocks"])
