"""API v1 latency at a million leads: `python bench/api_bench.py [--leads N] [--seconds S] [--clients C]`.

The UI bench's data and machinery (bench/ui_bench.py: the COPY loader, gunicorn with gunicorn.conf.py,
the client threads, the table): N synthetic leads (default 1,000,000), then C concurrent clients (default 8)
with a rep's API token (read scope) for S seconds per endpoint: the lead list, the list with the dashboard's
filters, owner=me sorted by score, a search, a keyset page deep in the table, a lead's detail, its activity
and drafts, and the review queue. Prints requests/s, p50/p99 ms, errors and the app's CPU time per request.

The database is DATABASE_URL, default postgres://postgres@127.0.0.1:5432/leadops_apibench (created, migrated
and loaded when it holds a different number of leads). The API's rate limit is lifted for the run: the bench
measures the endpoints, not the limiter. Target: p99 under 150 ms for every endpoint (the UI's goal), 0 errors.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ui_bench import arguments_parser, deep_cursor, prepare, run


def main() -> None:
    arguments = arguments_parser(__doc__.splitlines()[0]).parse_args()
    os.environ.setdefault("API_RATE_LIMIT", "100000000/m")
    rep_user, manager_user = prepare(arguments, "postgres://postgres@127.0.0.1:5432/leadops_apibench")
    from django.db import connections

    from leads.models import ApiToken, Lead

    ApiToken.objects.filter(name__startswith="api bench").delete()
    _, rep_token = ApiToken.issue("api bench rep", owner=rep_user, scopes=["read"])
    _, manager_token = ApiToken.issue("api bench manager", owner=manager_user, scopes=["read"])
    lead_id = Lead.objects.filter(drafts__isnull=False, activities__isnull=False).values_list("id", flat=True)[0]
    cursor = deep_cursor(arguments.leads)
    connections.close_all()
    rep, manager = f"Bearer {rep_token}", f"Bearer {manager_token}"
    run(arguments, lambda port: [
        ("GET /leads", "/api/v1/leads", rep),
        ("GET /leads filtered", "/api/v1/leads?label=HOT&source=event&status=QUALIFIED", rep),
        ("GET /leads owner=me, sorted by score", "/api/v1/leads?owner=me&sort=score", rep),
        ("GET /leads search", "/api/v1/leads?q=Priya%20Sh", rep),
        ("GET /leads deep keyset page", f"/api/v1/leads?after={cursor}", rep),
        ("GET /leads/{id}", f"/api/v1/leads/{lead_id}", rep),
        ("GET /leads/{id}/activity", f"/api/v1/leads/{lead_id}/activity", rep),
        ("GET /leads/{id}/drafts", f"/api/v1/leads/{lead_id}/drafts", rep),
        ("GET /review-queue (manager)", "/api/v1/review-queue", manager),
    ])


if __name__ == "__main__":
    main()
