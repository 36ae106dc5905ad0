"""`/iam-audit simulate <principal> <action> [resource] [key=value...]`: the evaluator's answer."""

from __future__ import annotations

from bot.iam.evaluator import Evaluator, Request
from bot.iam.principal_policies import policies_for_principal
from bot.model.errors import InputError
from bot.slack.blocks import simulate_message
from bot.slack.posture import find_principal
from commands.request import CommandRequest
from commands.waiting import answers_after_running_audit, audit_running

NAME = "simulate"
USAGE = "simulate <principal> <action> [resource] [key=value...]"
SUMMARY = "Would this user or role be allowed? The decision and the statements that decided."
EXAMPLES = (
    "simulate alice s3:GetObject arn:aws:s3:::reports/q3.csv",
    "simulate role/deploy iam:PassRole * aws:MultiFactorAuthPresent=false",
)


def parse(args: list[str]) -> tuple[str, str, str, dict[str, str | list[str]]]:
    """Principal and action always come first (IAM names may hold '=', as in a role named
    a=b); then an optional resource (an ARN or an argument without '='), then key=value."""
    if len(args) < 2:
        raise InputError(f"usage: /iam-audit {USAGE}")
    rest = args[2:]
    positional = args[:2]
    if rest and ("=" not in rest[0] or rest[0].startswith("arn:")):
        positional.append(rest.pop(0))
    if any("=" not in a or a.startswith("arn:") for a in rest):
        raise InputError(f"usage: /iam-audit {USAGE}")
    pairs = rest
    principal, action = positional[0], positional[1]
    if ":" not in action or action.startswith("arn:"):
        raise InputError(f"{action!r} is not an action like s3:GetObject")
    resource = positional[2] if len(positional) == 3 else "*"
    context: dict[str, str | list[str]] = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        if not key:
            raise InputError(f"context value {pair!r} needs a key (key=value)")
        if key in context:
            existing = context[key]
            context[key] = [*(existing if isinstance(existing, list) else [existing]), value]
        else:
            context[key] = value
    return principal, action, resource, context


def resolve_arn(snapshot, principal: str) -> str:
    if principal.startswith("arn:"):
        return principal
    kind, _, name = principal.partition("/")
    if name and kind in ("user", "role"):
        return find_principal(snapshot, kind, name).arn
    users = [u for u in snapshot.users if u.name == principal]
    roles = [r for r in snapshot.roles if r.name == principal]
    if users and roles:
        raise InputError(
            f"{principal!r} is both a user and a role; write user/{principal} or role/{principal}"
        )
    if users or roles:
        return (users or roles)[0].arn
    raise InputError(f"no user or role named {principal!r} in the last snapshot of this account")


@answers_after_running_audit(NAME)
def handle(request: CommandRequest) -> None:
    principal, action, resource, context = parse(request.args)
    cached = request.services.audits.snapshot()
    arn = resolve_arn(cached.snapshot, principal)
    policies = policies_for_principal(cached.snapshot, arn)
    decision = Evaluator(policies).evaluate(
        Request(
            principal_arn=arn,
            action=action,
            resource=resource,
            context=context,
            # `*` (the default) or a pattern asks about any resource it matches, as in the CLI
            resource_is_pattern="*" in resource or "?" in resource,
        )
    )
    request.reply(
        simulate_message(
            principal_arn=arn,
            action=action,
            resource=resource,
            context_keys=context,
            decision=decision.decision,
            reason=decision.reason,
            matched=[m.to_dict() for m in decision.matched],
            as_of=cached.saved_at,
            now=request.now(),
            audit_running=audit_running(request),
        )
    )
