"""A least-recently-used map bounded by the estimated bytes of what it holds, not by its number of entries."""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Hashable
from types import FunctionType, MethodType, ModuleType
from typing import Any

_LEAVES = (str, bytes, bytearray, memoryview, int, float, complex, bool, type(None))
_OPAQUE = (type, ModuleType, FunctionType, MethodType)
MISSING = object()


def estimate_bytes(value: Any) -> int:
    """Bytes held by value and everything it references (containers, dataclasses, plain objects), each object counted once."""
    total, seen, stack = 0, set(), [value]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, _OPAQUE):  # shared code and types are not held by the cache
            continue
        total += sys.getsizeof(item, 64)
        if isinstance(item, _LEAVES):
            continue
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
        else:
            if hasattr(item, "__dict__"):
                stack.append(vars(item))
            for slot in getattr(type(item), "__slots__", ()):
                if isinstance(slot, str) and hasattr(item, slot):
                    stack.append(getattr(item, slot))
    return total


class ByteLRU:
    """Thread-safe LRU map whose estimated size never exceeds max_bytes; a value larger than max_entry_bytes is not kept."""

    def __init__(self, max_bytes: int, max_entry_bytes: int | None = None):
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_bytes if max_entry_bytes is None else min(max_entry_bytes, max_bytes)
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def bytes(self) -> int:
        """Estimated bytes held now (keys and values)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, default: Any = MISSING) -> Any:
        """The value for key (marked as recently used), or default."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return default
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: Hashable, value: Any, size: int | None = None) -> bool:
        """Keep value under key, evicting the least recently used entries to stay within budget; False when too large to keep."""
        size = (estimate_bytes(value) if size is None else size) + estimate_bytes(key)
        if size > self.max_entry_bytes:
            return False
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes and self._entries:
                _, (_, evicted) = self._entries.popitem(last=False)
                self._bytes -= evicted
        return True

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0
