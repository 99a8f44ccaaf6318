"""Views for the scoring app."""
