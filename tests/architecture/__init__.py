"""Architecture rules that import-linter's built-in contracts cannot say (see pyproject.toml)."""
