"""The names and paths IAM accepts, so a file cannot hand the audit one IAM would refuse (pure).

A GAAD or a snapshot is only text: a user named "bob\\n      - No permissions boundary." was
audited and printed as a user followed by a made-up evidence line. IAM itself never holds such
a name, so a file that does is refused where it is read, as a mismatched ARN is.

The rules are IAM's API patterns (botocore's iam model: userNameType, roleNameType,
groupNameType, policyNameType, pathType; the API's ``\\w`` is ASCII) and the IAM User Guide's
"IAM name requirements" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
Lengths are the largest IAM hands out: user names of up to 128 characters still exist
(existingUserNameType), although new ones stop at 64. Inline policy names follow the guide's
wider rule ("any Basic Latin (ASCII) characters except ... \\ / * ? and white space"), which
older policies may use. One compiled regex per name: a GAAD holds tens of thousands of them.
"""

from __future__ import annotations

import re

_NAME_CHARACTERS = r"[\w+=,.@-]"
# Printable ASCII but \ / * ? (space and the controls are outside 0x21-0x7E already).
_INLINE_CHARACTERS = r"[\x21-\x29\x2b-\x2e\x30-\x3e\x40-\x5b\x5d-\x7e]"


def _plain(longest: int) -> tuple[re.Pattern[str], str]:
    """The API's rule for user, group, role and managed policy names: ``\\w`` read as ASCII."""
    return (
        re.compile(rf"{_NAME_CHARACTERS}{{1,{longest}}}", re.ASCII),
        f"1 to {longest} of A-Z a-z 0-9 _+=,.@-",
    )


# kind -> (compiled rule, what it allows, in words)
_RULES: dict[str, tuple[re.Pattern[str], str]] = {
    "user": _plain(128),
    "role": _plain(64),
    "group": _plain(128),
    "managed policy": _plain(128),
    "inline policy": (
        re.compile(rf"{_INLINE_CHARACTERS}{{1,128}}"),
        "1 to 128 printable ASCII characters but \\ / * ?",
    ),
    "path": (
        re.compile(r"/(?:[\x21-\x7e]{1,510}/)?"),
        "/ or /.../ of up to 512 printable ASCII characters",
    ),
}
NAME_KINDS = tuple(_RULES)
_SHOWN = 80  # characters of a refused name shown back


def is_iam_name(kind: str, value: str) -> bool:
    """Would IAM accept ``value`` as the name (or, ``kind="path"``, the path) of a ``kind``?"""
    return _RULES[kind][0].fullmatch(value) is not None


def name_problem(kind: str, value: str) -> str | None:
    """None when IAM would accept ``value`` as a ``kind``'s name, else why not, the value shown
    quoted and escaped (repr: a newline is ``\\n``) and cut to a line's length."""
    rule, allowed = _RULES[kind]
    if rule.fullmatch(value) is not None:
        return None
    shown = repr(value) if len(value) <= _SHOWN else repr(value[:_SHOWN]) + "..."
    noun = "path" if kind == "path" else f"{kind} name"
    return f"{shown} is not an IAM {noun} ({allowed})"


def name_pattern(kind: str) -> re.Pattern[str]:
    """The compiled rule for a ``kind`` (one of NAME_KINDS), for loaders that check many."""
    return _RULES[kind][0]


# arn:PARTITION:iam::ACCOUNT:KIND/[PATH/]NAME; AWS-managed policies have "aws" for the account.
# Path and name are printable ASCII (the rules above): no space, newline or control.
_ENTITY_ARN = {
    kind: re.compile(
        rf"arn:[a-z][a-z-]*:iam::(?:[0-9]{{12}}{'|aws' if kind == 'policy' else ''})"
        rf":{kind}/[\x21-\x7e]+"
    )
    for kind in ("user", "group", "role", "policy")
}


def entity_arn_problem(kind: str, arn: str, path: str = "", name: str = "") -> str | None:
    """None when ``arn`` is the ARN of an IAM ``kind`` (user, group, role or policy) and, given
    ``name``, that entity's own (`kind` + Path + name, as IAM writes it); else why not. The ARN
    decides the account, the lookups and what each finding names: a UserName "alice" under the
    Arn of user/bob was audited as one and reported as the other."""
    shown = arn if len(arn) <= _SHOWN else arn[:_SHOWN] + "..."
    if not _ENTITY_ARN[kind].fullmatch(arn):
        return (
            f"Arn {shown!r} is not the ARN of an IAM {kind} (arn:aws:iam::123456789012:{kind}/NAME)"
        )
    if name and arn.split(":", 5)[5] != f"{kind}{path}{name}":
        return (
            f"Arn {shown!r} is not this {kind}'s own ARN: IAM writes it as"
            f" ...:{kind}{path}{name} from its Path and name"
        )
    return None
