"""gunicorn settings for the web image (Dockerfile) and bench/ui_bench.py: the bench serves the app as it ships.

Sync workers, one request each at a time. The staff pages are CPU-bound Python, so threads in a
worker only take turns on the GIL; and a kept-alive connection stays with the worker that accepted
it, so with threads a few busy browsers can pile onto one worker while another idles. A sync worker
takes the next request from the shared listen queue as soon as it is free, so the load spreads evenly.
"""

import os

wsgi_app = "leadops.wsgi:application"
worker_class = "sync"
# One worker more than cores: while one waits on PostgreSQL or Redis, its core serves another.
# WEB_CONCURRENCY (the Dockerfile passes it as --workers) overrides this.
workers = (os.cpu_count() or 1) + 1
timeout = 60


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """Once the app is loaded, its modules, URL patterns and settings are kept out of the garbage collector's
    scans: a full collection then walks only what requests made, so the pauses it adds to a request that happens
    to trigger one are shorter (the p99 of bench/ui_bench.py)."""
    import gc

    gc.freeze()
