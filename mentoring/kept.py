"""A per-process store of computed values, kept under keys that say exactly what each value
depends on (so an entry is never stale, only unused), and forgotten all at once when full.

Used for what every page would otherwise rebuild from rows that rarely change: the admin's
navigation list per set of rights (mentoring/admin_site.py), its rendered sidebar
(mentoring/templatetags/admin_navigation.py) and a person's groups and permissions per change
of their rights (mentoring/rights.py).
"""

import threading
from collections.abc import Callable, Hashable
from typing import Any


class Kept:
    def __init__(self, size: int):
        #: Entries kept before all of them are forgotten.
        self.size = size
        self._values: dict[Hashable, Any] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, default=None):
        return self._values.get(key, default)

    def put(self, key: Hashable, value):
        with self._lock:
            if len(self._values) >= self.size:
                self._values.clear()
            self._values[key] = value
        return value

    def forget(self, where: Callable[[Hashable], bool] | None = None) -> None:
        """Forget the entries whose key `where` accepts (all of them without one)."""
        with self._lock:
            if where is None:
                self._values.clear()
                return
            for key in [key for key in self._values if where(key)]:
                del self._values[key]

    def __len__(self) -> int:
        return len(self._values)
