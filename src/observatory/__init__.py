"""Migration Observatory: migration statistics, indicators, evidence and publications with provenance."""

__version__ = "0.1.0"
