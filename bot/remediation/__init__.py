"""Remediations: what a fix changes, how to undo it, the IAM actions it needs (pure plans)."""
