(
    """Source connectors: one folder per dataset with `source.yml` (provenance, files, measures) and `connector.py` """
    """(parse)."""
)
