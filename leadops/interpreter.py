"""Interpreter settings for the processes that do bulk work, set once when such a process starts.

The Celery worker (which runs CSV imports and qualification batches) applies them from its start-up
signals in `leadops.celery`, and so does the `import_leads` command; library code never changes them.

- The cyclic garbage collector's youngest generation runs after GARBAGE_COLLECTION_THRESHOLD allocations
  instead of Python's 700. An import keeps tens of thousands of container objects alive in the batches
  in flight and allocates a dozen more a row, so with the default the collector ran every few dozen rows
  and traversed all the survivors each time. Rows make no reference cycles, so collecting less often
  frees the same memory.
- Threads hand the interpreter over every SWITCH_INTERVAL_SECONDS instead of 5 ms. The importer's saving
  threads make a dozen database round trips a batch and need the interpreter back after each one; with
  the default interval the busy parsing thread delays every one of them.
"""

import gc
import sys

GARBAGE_COLLECTION_THRESHOLD = 50_000
SWITCH_INTERVAL_SECONDS = 0.0005


def tune_for_bulk_work() -> None:
    gc.set_threshold(GARBAGE_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
