"""Cell-key perturbation (after the ABS TableBuilder): every record carries a random key fixed at ingest; a cell's
noise is read from a fixed perturbation table at the sum of its records' keys: the same records, the same noise."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol

KEY_RANGE = 2**32
SLOTS = 16
MAX_PERTURBATION = 2
# Perturbation distributions in sixteenths by true count (the row for 2 serves every larger count). Each row has mean
# zero and never takes a count below zero; a true zero is never perturbed (an empty cell has no key to read).
PERTURBATION_TABLE: Mapping[int, tuple[tuple[int, int], ...]] = MappingProxyType(
    {
        0: ((0, 16),),
        1: ((-1, 7), (0, 4), (1, 3), (2, 2)),
        2: ((-2, 2), (-1, 4), (0, 4), (1, 4), (2, 2)),
    }
)


class KeySource(Protocol):
    """Where record keys come from (the operating system's CSPRNG; a seeded generator only in tests)."""

    def randrange(self, stop: int) -> int: ...


def new_record_keys(count: int, source: KeySource | None = None) -> list[int]:
    """Fresh random keys for `count` records, drawn independently of their content."""
    if source is None:
        return [secrets.randbelow(KEY_RANGE) for _ in range(count)]
    return [source.randrange(KEY_RANGE) for _ in range(count)]


def table_row(count: int) -> tuple[tuple[int, int], ...]:
    """The perturbation distribution for a true count."""
    return PERTURBATION_TABLE[min(count, 2)]


def perturbation(count: int, key_sum: int) -> int:
    """The noise the table assigns to a cell of `count` records whose keys sum to `key_sum` (mod the key range)."""
    slot = (key_sum % KEY_RANGE) * SLOTS // KEY_RANGE
    for noise, weight in table_row(count):
        slot -= weight
        if slot < 0:
            return noise
    raise AssertionError("perturbation table rows must sum to SLOTS")


def support(count: int) -> list[int]:
    """Every noise value the table can give a true count (what an attacker knows)."""
    return [noise for noise, _ in table_row(count)]


def probability_unperturbed(count: int) -> float:
    """The chance that the published value of one contributor's share equals its true count."""
    return dict(table_row(count)).get(0, 0) / SLOTS


@dataclass
class Tally:
    """One contributor's share of a cell: how many records and the running sum of their keys."""

    count: int = 0
    key_sum: int = 0

    def add(self, key: int) -> None:
        """Count one more record."""
        self.count += 1
        self.key_sum = (self.key_sum + key) % KEY_RANGE

    def perturbed(self) -> int:
        """The share's count plus its table noise (never below zero)."""
        return self.count + perturbation(self.count, self.key_sum)


def perturbed_count(shares: Iterable[Tally]) -> int:
    """A cell's published count: each contributing organisation's share perturbed on its own, then summed."""
    # Shares are kept apart so that one contributor adding or withdrawing its own records re-draws only its own noise:
    # another organisation's share keeps the same noise in every version, so repeated versions cannot average it away.
    return sum(share.perturbed() for share in shares)


def tally(cells: Sequence[tuple[tuple[str, ...], str, int]]) -> dict[tuple[str, ...], dict[str, Tally]]:
    """Per cell and organisation: record count and key sum, from (cell, organisation, record key) triples."""
    result: dict[tuple[str, ...], dict[str, Tally]] = {}
    for cell, org, key in cells:
        result.setdefault(cell, {}).setdefault(org, Tally()).add(key)
    return result
