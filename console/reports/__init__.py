"""The managers' reports: agent performance, sequences, funnel and sources, system health.

Each report module has `compute(period) -> Report`: tables (also the CSV export), charts and notes, built from
a handful of grouped queries. Pages never compute one at scale: `snapshots.report` serves a cached copy no
more than REPORT_MAX_AGE_SECONDS old (refreshed by beat, console.tasks.refresh_reports, for every preset
period), and says on the page when it was computed.
"""
