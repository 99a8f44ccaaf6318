"""CSV import: sniff the file -> map its columns -> validate rows -> save them in batches through intake.

`sniff` decides whether a file is a CSV we can read (encoding, delimiter, header) and refuses the rest
with one clear message; `records` reads its rows so that a broken one (a quote never closed, a value
over the CSV field limit) is rejected alone; `columns` maps headers to lead fields; `run` streams the rows through
`leads.intake` and keeps the accounting; `jobs` ties a run to an `ImportJob` (the page, the task and the
`import_leads` command all go through it).
"""
