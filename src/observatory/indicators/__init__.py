"""Indicator catalogue (YAML) and the engine that computes it for every area, group, corridor and year in a release."""
