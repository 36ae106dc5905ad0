"""The ground floor: the account snapshot, severities, the error types and safe parsing (pure).

Every other package builds on these; this package imports nothing else of the project.
"""
