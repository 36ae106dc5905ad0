"""Many accounts (AWS Organizations): member audits through the org role, and their summary.

summary.py folds per-account reports into one view (pure); pipeline.py is the CLI's and the
benchmark's collect-audit-combine over many accounts; member_audits.py is the bot's cached
per-member audits behind `/iam-audit audit account <id|all>` and App Home.
"""
