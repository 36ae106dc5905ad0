"""The daily digest: what changed since the last one, posted once per channel and slot.

Pure: content.py (the digest from two reports), schedule.py (the schedule as data), chart.py
(the trend chart). Running it: run.py (audit, compare, post once), scheduler.py (APScheduler
inside `iam-audit serve`, one leader across replicas; also runs the MFA campaign and member
audits on their schedules).
"""
