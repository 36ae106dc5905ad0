"""The two kinds of request a user makes without MFA, as the MFA condition keys in them.

IAM User Guide, AWS global condition context keys, aws:MultiFactorAuthPresent and
aws:MultiFactorAuthAge: a call signed with a long-term access key (or signing certificate)
carries neither key; temporary credentials obtained without MFA (a console sign-in without MFA,
GetSessionToken or AssumeRole without a code) carry aws:MultiFactorAuthPresent "false" and no
aws:MultiFactorAuthAge ("If MFA was not used, this key is not present"). So a
``Bool aws:MultiFactorAuthPresent false`` Deny stops the second and not the first. An empty
tuple is a key absent from the request, as the evaluator and CompiledCondition read it.
"""

from __future__ import annotations

from collections.abc import Mapping

MFA_PRESENT_KEY = "aws:multifactorauthpresent"
MFA_AGE_KEY = "aws:multifactorauthage"

LONG_TERM_KEY_FACTS: Mapping[str, tuple[str, ...]] = {MFA_PRESENT_KEY: (), MFA_AGE_KEY: ()}
SESSION_WITHOUT_MFA_FACTS: Mapping[str, tuple[str, ...]] = {
    MFA_PRESENT_KEY: ("false",),
    MFA_AGE_KEY: (),
}
