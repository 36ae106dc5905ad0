"""Check families; importing this package registers every check."""

# One import line per family (kept unmerged so parallel edits do not conflict).
# ruff: noqa: I001

from bot.audit.checks import account  # noqa: F401
from bot.audit.checks import identities  # noqa: F401
from bot.audit.checks import keys  # noqa: F401
from bot.audit.checks import password_policy  # noqa: F401
from bot.audit.checks import policies  # noqa: F401
from bot.audit.checks import policy_lint  # noqa: F401
from bot.audit.checks import roles  # noqa: F401
from bot.audit.checks import root  # noqa: F401
from bot.audit.checks import users_credentials  # noqa: F401
from bot.audit.checks import users_mfa  # noqa: F401
from bot.audit.checks import users_policies  # noqa: F401
from bot.audit.checks import principals  # noqa: F401
from bot.audit.checks import users_privileged  # noqa: F401
from bot.audit.checks import analyzer  # noqa: F401
from bot.audit.checks import usage  # noqa: F401
