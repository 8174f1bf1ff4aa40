"""Firewall: sealed vault for sensitive case-level contributions; only disclosure-controlled aggregates leave it."""
