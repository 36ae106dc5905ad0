"""Four-eyes approval of IAM changes, and the suppressions approved the same way.

Pure rules: model.py (the request and its state machine), rules.py (who may request and
approve), catalogue.py (named policy templates), journal.py (the write-ahead record of an apply),
desk.py (turns proposals into requests and applies what was approved, through what it is given),
suppressions.py (findings muted from Slack). Wiring: wiring.py builds the desk from settings,
reconciler.py finishes at start-up and periodically what a crash left half applied (or
approved and never applied).
"""
