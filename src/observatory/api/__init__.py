"""Public JSON/CSV/Parquet/Excel API over the current warehouse release."""
