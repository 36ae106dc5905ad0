"""Counted nouns said right: "1 finding", "2 findings", "1 policy", "3 policies"."""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str = "") -> str:
    """ "1 finding", "2 findings"; pass ``plural_form`` where adding "s" is wrong ("policies")."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count} {word}"
