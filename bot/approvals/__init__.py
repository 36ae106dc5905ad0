"""Four-eyes approval of IAM changes: request model, state machine, authorization rules (pure)."""
