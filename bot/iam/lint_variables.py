"""Policy variables (`${aws:username}`) that are malformed or where IAM does not resolve them.

AWS resolves variables only in Resource / NotResource and in String and ARN condition values,
and only under Version 2012-10-17; elsewhere `${...}` is literal text. Each problem here is one of
Access Analyzer's variable checks (README's table names them).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.iam.catalogue import ActionCatalogue
from bot.iam.conditions import parse_operator
from bot.iam.lint_conditions import known_condition_key
from bot.iam.lint_context import LintContext
from bot.iam.lint_model import INVALID_POLICY_VARIABLE, LintFinding, finding
from bot.iam.policy import Statement

_ESCAPES = frozenset({"*", "?", "$"})
# Condition-key characters: letters, digits and : / . _ - @ (tag keys may add + = and spaces are
# not allowed in the name).
_NAME = re.compile(r"^[A-Za-z0-9:/._\-@+=]+$")
_VARIABLE_FAMILIES = frozenset({"String", "Arn"})
_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def variable_problems(text: str) -> Iterator[tuple[str, str]]:
    """(kind, message) for each malformed `${...}` in text."""
    position = 0
    while True:
        start = text.find("${", position)
        if start < 0:
            return
        end = text.find("}", start + 2)
        if end < 0:
            yield "missing_brace", f"{text!r}: the variable has no closing brace; add }}"
            return
        inner = text[start + 2 : end]
        position = end + 1
        shown = text[start : end + 1]
        if not inner.strip():
            yield "empty", f"{shown} is an empty variable; name a key or remove it"
            continue
        if inner in _ESCAPES:
            continue
        name, comma, default = inner.partition(",")
        if name != name.strip() or any(c.isspace() for c in name):
            yield "space", f"{shown}: spaces are not allowed in a variable's name"
            continue
        if not _NAME.match(name):
            yield "symbol", f"{shown}: the variable name has a character keys never contain"
            continue
        if comma:
            value = default.strip()
            if len(value) < 2 or not (value.startswith("'") and value.endswith("'")):
                yield (
                    "missing_quote",
                    f"{shown}: a default value goes in single quotes, e.g. ${{{name}, 'default'}}",
                )


def _has_variable(text: str) -> bool:
    return "${" in text


def lint_variables(statement: Statement, ctx: LintContext) -> list[LintFinding]:
    findings: list[LintFinding] = []

    def report(kind: str, message: str, element: str) -> None:
        findings.append(
            finding(
                INVALID_POLICY_VARIABLE,
                statement.index,
                message,
                {"kind": kind, "element": element},
            )
        )

    resolvable: list[tuple[str, str]] = [
        (element, value)
        for element, values in (
            ("Resource", statement.resources),
            ("NotResource", statement.not_resources),
        )
        for value in values or ()
    ]
    for condition in statement.conditions:
        family = parse_operator(condition.operator).family
        for value in condition.values:
            if not _has_variable(value):
                continue
            if family not in _VARIABLE_FAMILIES:
                report(
                    "operator",
                    f"{condition.operator} {condition.key}: {value!r} holds a policy variable,"
                    " which only String and ARN operators resolve",
                    "Condition",
                )
                continue
            resolvable.append(("Condition", value))
    for element, value in resolvable:
        if not _has_variable(value):
            continue
        problems = list(variable_problems(value))
        for kind, message in problems:
            report(kind, message, element)
        if not problems:
            for message in _unknown_global_keys(value, ctx.catalogue):
                report("unknown_key", message, element)
    if not ctx.substitutes_variables and any(_has_variable(v) for _, v in resolvable):
        shown = "no Version" if not ctx.version else f"Version {ctx.version}"
        report(
            "version",
            f"the statement uses policy variables but the policy has {shown}: IAM resolves them"
            ' only under "Version": "2012-10-17", so here they are literal text',
            "Version",
        )
    for element, values in _unresolved_elements(statement):
        for value in values:
            if _has_variable(value):
                report(
                    "element",
                    f"{element} {value!r}: policy variables are resolved only in Resource and"
                    " Condition values; here the text is taken literally",
                    element,
                )
    return findings


def _unknown_global_keys(text: str, catalogue: ActionCatalogue) -> Iterator[str]:
    """A well-formed ``${aws:...}`` whose key is no global key (``${aws:usename}``): IAM has
    no value for it (IAM User Guide, "IAM policy elements: Variables and tags"). Only aws:
    names are judged: a provider's claims and some services' keys cannot all be listed."""
    for match in _VARIABLE.finditer(text):
        name, comma, _ = match.group(1).partition(",")
        if not name.lower().startswith("aws:") or known_condition_key(catalogue, name):
            continue
        yield (
            f"{match.group(0)} names no AWS global condition key, so IAM has no value for it"
            + (
                " and always puts in the default"
                if comma
                else " and the text it is in never matches as written"
            )
            + "; check the key's spelling (aws:username, aws:PrincipalTag/KEY ...)"
        )


def _unresolved_elements(statement: Statement) -> Iterator[tuple[str, tuple[str, ...]]]:
    yield "Action", statement.actions or ()
    yield "NotAction", statement.not_actions or ()
    for element, principal in (
        ("Principal", statement.principals),
        ("NotPrincipal", statement.not_principals),
    ):
        if principal is not None and principal != "*":
            for values in principal.values():
                yield element, values
