"""Domain rules as plain data and small pure functions (domain.md)."""
