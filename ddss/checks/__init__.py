"""Validation: the catalogue as GX suites on DuckDB, and every failing row as a finding."""
