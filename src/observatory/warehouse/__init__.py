"""DuckDB warehouse: each build writes a new release file, validates it, then makes it current atomically."""
