"""The ground floor: the account snapshot, severities, the error types, safe parsing and the
collector pause (pure).

Every other package builds on these; this package imports nothing else of the project.
"""
