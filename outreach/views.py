"""Views for the outreach app."""
