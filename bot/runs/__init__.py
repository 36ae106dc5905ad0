"""Audit runs: collect, audit in worker processes, cache; one at a time per account, or on RQ.

account_audits.py is the pipeline for the bot's own account, jobs.py the bounded pool that lets
later requests join a running audit, workers.py the process pool that keeps audits off the
interpreter that acks Slack, queue.py the same pipeline as RQ jobs for `iam-audit worker`.
"""
