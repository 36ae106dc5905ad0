"""Remediation families; importing this package registers every remediation.

The order is the order `params_for_finding` tries them in.
"""

# One import line per family (kept unmerged so parallel edits do not conflict).
# ruff: noqa: I001

from bot.remediation.fixes import access_keys  # noqa: F401
from bot.remediation.fixes import console_password  # noqa: F401
from bot.remediation.fixes import policies  # noqa: F401
from bot.remediation.fixes import admin_groups  # noqa: F401
from bot.remediation.fixes import role_trust  # noqa: F401
from bot.remediation.fixes import access_analyzer  # noqa: F401
from bot.remediation.fixes import analyzer_findings  # noqa: F401
from bot.remediation.fixes import server_certificates  # noqa: F401
from bot.remediation.fixes import leftover_policies  # noqa: F401
from bot.remediation.fixes import rightsize  # noqa: F401
