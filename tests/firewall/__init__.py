"""Tests of the firewall: sealed vault, disclosure control, attacks."""
