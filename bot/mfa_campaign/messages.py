"""The DMs of the MFA campaign (pure Block Kit): how to enrol, step by step, and the deadline."""

from __future__ import annotations

from datetime import datetime

from bot.slack.blocks import Message, code, context, escape, header, message, section

CONSOLE_MFA_URL = "https://console.aws.amazon.com/iam/home#/security_credentials"
AWS_MFA_DOCS = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_virtual.html"
)


def enrolment_message(
    *, iam_user: str, account_id: str, deadline: datetime, kind: str, number: int
) -> Message:
    """Invitation or reminder: what to do, how, and what happens at the deadline."""
    when = f"{deadline:%A %d %B %Y}"
    user = code(iam_user)
    account = code(account_id)
    opening = (
        f"Your AWS IAM user {user} in account {account} signs in to the console without"
        " multi-factor authentication (MFA)."
        if kind == "invitation"
        else f"Reminder {number - 1}: your AWS IAM user {user} in account {account} still has"
        " no MFA."
    )
    steps = "\n".join(
        [
            "*How to enrol (about 2 minutes):*",
            f"1. Sign in to the AWS console as {user} and open <{CONSOLE_MFA_URL}|My security"
            " credentials>.",
            "2. Under *Multi-factor authentication (MFA)*, choose *Assign MFA device*.",
            "3. Name the device, pick *Authenticator app* (or a security key / passkey) and follow"
            " the prompts: scan the QR code, then type two consecutive codes.",
            "4. Sign out and back in: the console now asks for a code.",
        ]
    )
    deadline_text = (
        f"*Deadline: {when}.* After it, the team will be asked to approve a policy that"
        " denies everything except setting up MFA until you sign in with MFA."
    )
    blocks = [
        header("Please turn on MFA for your AWS user"),
        section(opening),
        section(steps),
        section(deadline_text),
        context([f"<{AWS_MFA_DOCS}|AWS guide to virtual MFA devices> · sent by iam-audit"]),
    ]
    fallback = (
        f"Please enable MFA on AWS IAM user {escape(iam_user)} before {when}: {CONSOLE_MFA_URL}"
    )
    return message(fallback, blocks)
