"""Configuration of the bot and of organisation-scale runs, from the environment and the file.

What an audit checks and mutes ([thresholds], [severity], [[suppressions]]) is the audit's own
input: bot/audit/config.py, read by the CLI and the bot alike.
"""
