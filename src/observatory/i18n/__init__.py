"""Languages of the observatory: the six UN languages, number formats and names from CLDR (Babel)."""
