"""The one process-wide cache of the app, for the bundled SYNTHETIC demo cohort only (issue 16).

Ten colleagues opening the demo at once used to compute the same analysis, Table 1 and
charts ten times over on two cores. The demo cohort is a file in the repository, public
synthetic data, so its results may be shared across sessions: :data:`DEMO` memoises them
under the whole view (cohort token ``"demo"``, criteria set, parameters, protocol, filters,
display context — Hb unit *and* language — plus the item's own parts), so two editions of
the app never share a chart or a sentence.

An uploaded cohort never reaches this module: ``app_state`` routes to it only while the
demo is in force in the session, and otherwise keeps each session's own per-session caches
in its ``st.session_state`` (README, "Privacy").

:class:`SharedMemo` is a bounded LRU dict with one lock per key: the first session that
asks computes, the others that ask at the same moment wait for that value instead of
computing it again (the crowd case). A build that raises leaves nothing behind.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

#: Entries kept: every page of the demo under a few criteria / filter / unit choices.
DEMO_MAX_ENTRIES = 512


class SharedMemo:
    """``get(key, build)``: ``build()`` computed once per key, least recently used dropped
    beyond ``max_entries``. Thread-safe; concurrent callers of one key wait for one build."""

    def __init__(self, max_entries: int = DEMO_MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()  # guards _values and _building
        self._building: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        while True:
            with self._lock:
                if key in self._values:
                    self._values.move_to_end(key)
                    return self._values[key]
                key_lock = self._building.get(key)
                if key_lock is None:
                    key_lock = self._building[key] = threading.Lock()
                    key_lock.acquire()
                    break
            with key_lock:  # another session builds this key: wait, then read it
                pass
        try:
            value = build()
        except BaseException:
            with self._lock:
                del self._building[key]
            key_lock.release()
            raise
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.max_entries:
                self._values.popitem(last=False)
            del self._building[key]
        key_lock.release()
        return value

    def keys(self) -> list[Hashable]:
        with self._lock:
            return list(self._values)

    def values(self) -> list[Any]:
        with self._lock:
            return list(self._values.values())

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)


#: The demo cohort's results, charts and tables, shared by every session showing the demo.
DEMO = SharedMemo()
