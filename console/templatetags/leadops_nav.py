"""Main navigation: a link appears only when its page exists and the user may open it (no dead links)."""

from django import template
from django.urls import NoReverseMatch, reverse

from leadops.roles import is_manager

register = template.Library()

# (url name, label, managers only)
NAV = [
    ("leads:today", "Today", False),
    ("leads:dashboard", "Dashboard", False),
    ("leads:lists", "Lists", False),
    ("outreach:review", "Review queue", False),
    ("leads:new", "New lead", False),
    ("leads:import", "Import", False),
    ("outreach:templates", "Templates", False),
    ("jobs:list", "Jobs", False),
    ("reports:subscriptions", "Report emails", False),
    ("reports:agent", "Reports", True),
    ("scoring:model", "Scoring model", True),
    ("scoring:settings", "Settings", True),
    ("leads:assignment_rules", "Assignment", True),
    ("integrations:api_tokens", "Integrations", True),
    ("outreach:mailboxes", "Mailboxes", True),
    ("outreach:sequences", "Sequences", True),
    ("admin:index", "Admin", True),
]


@register.simple_tag(takes_context=True)
def nav_links(context: template.Context) -> list[dict[str, object]]:
    request = context.get("request")
    manager = bool(request and is_manager(request.user))
    links = []
    for name, label, managers_only in NAV:
        if managers_only and not manager:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        path = request.path if request else ""
        active = path == url or (url != "/" and path.startswith(url))
        links.append({"url": url, "label": label, "active": active})
    return links
