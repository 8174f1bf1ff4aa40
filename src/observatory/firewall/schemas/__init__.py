"""Declarations (YAML) of contribution schemas and of direct-identifier patterns."""
