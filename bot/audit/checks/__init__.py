"""Check families; importing this package registers every check."""
