"""Right-sizing: a principal's policies cut down to what it used, proven before it is applied.

usage.py holds what AWS reported (service and action last-accessed data, Access Analyzer's
unused-access findings); rewrite.py turns one policy document into its used-only version;
proof.py checks the result with the project's own evaluator, linter and escalation finder;
proposal.py puts them together for one user or role. All of it is pure: the AWS half lives in
bot/aws/last_accessed.py, the apply half in bot/aws/rightsize_apply.py.
"""
