"""iam-audit: audit and safely change AWS IAM from Slack and the command line."""

__version__ = "0.1.0"
