"""The caches and shortcuts that keep a 10,000-principal audit fast and small give the same
answers as the work they replace, and evidence lists stay capped with a count."""

from __future__ import annotations

import gc
import logging
import weakref

import pytest

from bot import cli
from bot.audit.checks.principals import _escalation_evidence
from bot.audit.engine import gc_paused, release_shared
from bot.iam.catalogue import default_catalogue
from bot.iam.effective import Access, Grant, PermissionIndex
from bot.iam.evaluator import Evaluator, PolicySet, Request
from bot.iam.linter import _count_by_service, lint_policy
from bot.iam.matching import arn_matcher
from bot.iam.policy import parse_policy
from bot.iam.privesc import Escalation, HeldMethod
from bot.iam.privesc_methods import action_methods
from tests.factories import (
    ACCOUNT_ID,
    NOW,
    allow,
    inline,
    policy_document,
    snapshot,
    statement,
    user,
    user_arn,
)

SELF_SERVICE = f"arn:aws:iam::{ACCOUNT_ID}:user/${{aws:username}}"


def _first_policy(index: PermissionIndex, name: str):
    return index[user_arn(name)].view.identity[0]


# --- policies with identical statements share one computation ------------------------------------


def test_identical_inline_copies_share_statement_answers():
    doc = allow(["s3:GetObject", "iam:PassRole"])
    snap = snapshot(
        users=[
            user("ann", groups=(), inline_policies=[inline("copy-a", doc)]),
            user("bob", groups=(), inline_policies=[inline("copy-b", doc)]),
        ]
    )
    index = PermissionIndex(snap, NOW)
    ann, bob = _first_policy(index, "ann"), _first_policy(index, "bob")
    assert ann is not bob  # each cites its own policy in evidence...
    assert ann.source.label() != bob.source.label()
    label, actions = "test-list", frozenset({"s3:getobject", "iam:passrole", "sqs:sendmessage"})
    facts = ann.star_facts(label, actions, index.expand)
    # ...but the second copy finds the first one's answer instead of working it out again.
    assert bob.cached_star_facts(label) is facts
    assert facts.allow == {"s3:getobject", "iam:passrole"}
    assert bob.may_allow("s3:getobject")
    assert not bob.may_allow("sqs:sendmessage")


def test_policy_variables_share_matching_but_not_answers_on_star():
    doc = allow("iam:CreateAccessKey", SELF_SERVICE)
    snap = snapshot(
        users=[
            user("ann", groups=(), inline_policies=[inline("self", doc)]),
            user("bob", groups=(), inline_policies=[inline("self", doc)]),
        ]
    )
    index = PermissionIndex(snap, NOW)
    ann, bob = _first_policy(index, "ann"), _first_policy(index, "bob")
    label, actions = "keys", frozenset({"iam:createaccesskey"})
    ann.star_facts(label, actions, index.expand)
    assert bob.cached_star_facts(label) is None  # answers depend on who asks
    assert ann.may_allow("iam:createaccesskey")
    assert bob.may_allow("iam:createaccesskey")
    assert index[user_arn("ann")].can("iam:CreateAccessKey", user_arn("ann"))
    assert not index[user_arn("bob")].can("iam:CreateAccessKey", user_arn("ann"))


@pytest.mark.parametrize(
    "stmt",
    [
        statement(action="iam:CreateAccessKey", resource=SELF_SERVICE),
        statement(action="iam:CreateAccessKey", resource="arn:aws:s3:::${aws:username}/*"),
        statement(action="iam:CreateAccessKey", resource="arn:aws:s3:::b/${*}"),
        statement(action="iam:CreateAccessKey", resource=["arn:aws:s3:::b/*", "*"]),
        statement(action="iam:CreateAccessKey", resource="arn:aws:iam::*:user/*"),
        statement(action="iam:CreateAccessKey", resource=None, not_resource=SELF_SERVICE),
        statement(action="iam:CreateAccessKey", resource=None, not_resource="*"),
    ],
)
def test_answers_on_star_agree_with_the_evaluator(stmt):
    """The literal Resource `*` is decided from the patterns without compiling them; the
    evaluator must agree, variables or not."""
    doc = policy_document(stmt)
    snap = snapshot(users=[user("dev", groups=(), inline_policies=[inline("p", doc)])])
    perms = PermissionIndex(snap, NOW)[user_arn("dev")]
    evaluator = Evaluator(PolicySet(identity=[parse_policy(doc, name="p")]))
    expected = evaluator.evaluate(
        Request(user_arn("dev"), "iam:CreateAccessKey", "*", context={"aws:username": ["dev"]})
    )
    assert perms.decide("iam:CreateAccessKey", "*").allowed == (expected.decision == "allowed")


def test_released_index_answers_again():
    snap = snapshot(users=[user("dev", groups=(), inline_policies=[inline("p", allow("s3:*"))])])
    index = PermissionIndex(snap, NOW)
    assert index[user_arn("dev")].can("s3:GetObject", "*")
    index.release()
    assert index.stats()["principals_built"] == 0
    assert index.stats()["resolved_policies"] == 0
    assert index[user_arn("dev")].can("s3:GetObject", "*")


def test_release_shared_breaks_cycles_and_keeps_report_extra():
    released = []

    class Cache:
        def release(self) -> None:
            released.append(True)

    shared = {"index": Cache(), "plain": {"a": 1}, "report_extra": {"catalogue_version": "v"}}
    release_shared(shared)
    assert released == [True]
    assert shared == {"report_extra": {"catalogue_version": "v"}}


# --- the collector pause --------------------------------------------------------------------------


def test_gc_paused_restores_the_collector_even_on_error():
    assert gc.isenabled()
    inside: list[bool] = []

    def crash() -> None:
        with gc_paused():
            inside.append(gc.isenabled())
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        crash()
    assert inside == [False]
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # it was off before: stays off
    finally:
        gc.enable()


def test_gc_paused_promote_leaves_nothing_young_or_frozen_and_cycles_collectable():
    assert gc.isenabled()
    with gc_paused(promote=True):
        kept = [[i] for i in range(20_000)]
        cycle: list[object] = []
        cycle.append(cycle)
        node = _Node()
        node.me = node  # a cycle only the collector can free
        probe = weakref.ref(node)
        del node, cycle
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0  # moved to the oldest generation, not kept frozen
    assert gc.get_count()[0] < 1000  # the block's survivors are not waiting in the young one
    gc.collect()
    assert probe() is None  # a full collection still frees the block's cyclic garbage
    assert len(kept) == 20_000


class _Node:
    me: object = None


# --- evidence stays small ---------------------------------------------------------------------


def test_escalation_evidence_caps_methods_and_lists_each_action_once():
    methods = list(action_methods()[:13])
    grant = Grant("arn:aws:iam::123456789012:policy/p", 0, "Allow")
    held = tuple(
        HeldMethod(m, tuple(Access(a, f"arn:target/{a}", True, (grant,)) for a in m.actions))
        for m in methods
    )
    evidence = _escalation_evidence(Escalation("arn:aws:iam::123456789012:user/u", held))
    assert evidence["method_ids"] == [m.id for m in methods]  # every method by id
    assert len(evidence["methods"]) == 10
    assert evidence["methods_not_detailed"] == 3
    shown_actions = {a["action"] for m in evidence["methods"] for a in m["actions"]}
    assert set(evidence["targets"]) == shown_actions  # one target per action, not per method
    assert all(target == f"arn:target/{a}" for a, target in evidence["targets"].items())
    assert evidence["policies"] == ["arn:aws:iam::123456789012:policy/p"]


def test_wildcard_lint_counts_services_once_per_statement():
    doc = policy_document(statement(not_action=["s3:*"], resource="*"))
    catalogue = default_catalogue()
    first = lint_policy(doc, catalogue=catalogue)
    before = _count_by_service.cache_info().misses
    second = lint_policy(doc, catalogue=catalogue)
    assert first == second
    # Not counted again: answered by _count_by_service's cache or, before it, by the linter's
    # per-statement cache.
    assert _count_by_service.cache_info().misses == before


# --- the console script -----------------------------------------------------------------------


def test_console_main_exits_at_once_with_mains_code(monkeypatch):
    exits: list[int] = []

    def fake_exit(code: int) -> None:
        exits.append(code)
        raise SystemExit(code)

    monkeypatch.setattr(cli, "main", lambda: 3)
    monkeypatch.setattr(cli.threading, "active_count", lambda: 1)
    monkeypatch.setattr(cli.os, "_exit", fake_exit)
    monkeypatch.setattr(logging, "shutdown", lambda: None)
    with pytest.raises(SystemExit):
        cli.console_main()
    assert exits == [3]


def test_console_main_waits_for_running_threads(monkeypatch):
    monkeypatch.setattr(cli, "main", lambda: 1)
    monkeypatch.setattr(cli.threading, "active_count", lambda: 2)
    monkeypatch.setattr(cli.os, "_exit", lambda code: pytest.fail("must not skip the threads"))
    with pytest.raises(SystemExit) as exited:
        cli.console_main()
    assert exited.value.code == 1


def test_evaluator_compiles_a_resource_pattern_only_when_a_statement_is_asked():
    doc = allow("s3:GetObject", "arn:aws:s3:::lazy-compile-check-*/*")
    evaluator = Evaluator(PolicySet(identity=[parse_policy(doc, name="p")]))
    before = arn_matcher.cache_info().misses
    other = evaluator.evaluate(Request(user_arn("dev"), "sqs:SendMessage", "*"))
    assert other.decision == "implicit_deny"
    assert arn_matcher.cache_info().misses == before  # its action did not match: no regex
    asked = evaluator.evaluate(
        Request(user_arn("dev"), "s3:GetObject", "arn:aws:s3:::lazy-compile-check-1/key")
    )
    assert asked.decision == "allowed"
    assert arn_matcher.cache_info().misses == before + 1
