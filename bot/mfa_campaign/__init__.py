"""The gradual MFA campaign: ask each user to enrol, remind, report, then propose enforcement."""
