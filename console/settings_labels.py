"""What the Settings page calls each scoring weight and run-time setting, in a manager's words.

The keys are the rules' and leadops.runtime's; a key missing here still shows, humanised, so a new
rule never appears as a blank line.
"""

from typing import Any

# Scoring weight key -> (label, help). Families group them on the page.
WEIGHT_FAMILIES = {
    "general": "Starting points", "seniority": "Seniority of the person", "size": "Company size (employees)",
    "fit": "Fit with the customers we target", "intent": "Buying intent", "memory": "Earlier leads at the company",
    "negative": "Warning signs",
}
WEIGHTS: dict[str, tuple[str, str]] = {
    "base": ("Every lead starts with", "Points before any rule applies."),
    "seniority.c_level": ("C-level (CEO, CRO, CTO…)", ""),
    "seniority.vp": ("Vice president", ""),
    "seniority.director": ("Director or head of", ""),
    "seniority.manager": ("Manager", ""),
    "seniority.individual": ("Individual contributor", ""),
    "fit.icp_industry": ("In an industry we target", "The industries are part of the scoring profile."),
    "fit.icp_country": ("In a country we target", ""),
    "intent.urgency_high": ("Says it is urgent", ""),
    "intent.urgency_medium": ("Says it is fairly urgent", ""),
    "intent.budget_large": ("Large budget", ""),
    "intent.budget_medium": ("Medium budget", ""),
    "intent.budget_small": ("Small budget", ""),
    "intent.pain_point": ("Describes a problem to solve", ""),
    "intent.buying_phrase": ("Each buying phrase in the message", "e.g. “pricing”, “demo”, “trial”."),
    "intent.buying_phrase_max": ("Most points from buying phrases", "The cap on the line above, however many."),
    "memory.won": ("An earlier lead there was won", ""),
    "memory.lost": ("An earlier lead there was lost", ""),
    "negative.free_mail": ("Free email address (gmail.com…)", ""),
    "negative.role_account": ("Shared address (info@, sales@…)", ""),
    "negative.disposable": ("Throwaway email address", ""),
    "negative.student": ("Student", ""),
    "negative.job_seeker": ("Looking for a job", ""),
    "negative.competitor": ("Works for a competitor", ""),
    "negative.gibberish": ("Gibberish in the form", ""),
    "negative.test": ("A test entry", ""),
    "negative.missing_field": ("Each key detail left out", ""),
    "negative.low_intent": ("Just browsing", ""),
}
THRESHOLDS = {
    "hot": ("HOT at or above", "Points from which a lead is HOT."),
    "warm": ("WARM at or above", "Below HOT and at least this: WARM; below it: COLD."),
    "disqualify": ("Low fit (disqualify) below", "Leads under this are proposed for disqualification."),
}

# Run-time setting -> help under its field.
SETTING_HELP = {
    "WEB_ENRICHMENT": "Reads the homepage of the lead's company to learn what it does.",
    "LLM_PROVIDER": "Off scores and writes by rules and templates alone.",
    "LLM_MODEL": "The model name your provider gives, e.g. gpt-4o-mini.",
    "EMAIL_MODE": "Mock keeps every email on the lead page and sends nothing.",
    "SEND_PER_MINUTE": "At most this many emails leave the mailbox in a minute.",
    "SEND_PER_DAY": "At most this many emails leave the mailbox in a day; the rest wait for tomorrow.",
    "SEND_PER_CONTACT_PER_WEEK": "No person gets more than this many emails in seven days.",
    "SEND_PER_DOMAIN_PER_DAY": "No company's mail server gets more than this many emails in a day.",
    "SEND_WINDOW_DAYS": "Emails approved on other days wait for the next one ticked.",
    "SEND_WINDOW_HOURS": "Like 08:00-18:00, in the time zone below.",
    "SEND_TIMEZONE": "A time zone name like Europe/Berlin or America/New_York.",
    "SEND_IN_RECIPIENT_TIMEZONE": "Hours count in the lead's own time zone (or its country's); the zone above "
                                  "for leads whose zone is unknown.",
    "SEND_SKIP_HOLIDAYS": "No email goes out, and no step's working days count, on the public holidays of the "
                          "lead's country.",
    "SENDER_POSTAL_ADDRESS": "The law in many countries asks for it in every sales email.",
    "AUTO_APPROVE_FOLLOW_UPS": "Follow-ups to enterprise leads always wait for a person.",
    "PROHIBITED_TERMS": "Comma-separated; a draft using one cannot be approved.",
}
# Option values the settings store -> what the page shows.
OPTION_LABELS = {
    "none": "Off (rules and templates only)", "openai": "OpenAI", "azure_openai": "Azure OpenAI",
    "mock": "Mock (stored, never sent)", "smtp": "SMTP (real delivery)",
}
WEEKDAYS = (("mon", "Monday"), ("tue", "Tuesday"), ("wed", "Wednesday"), ("thu", "Thursday"),
            ("fri", "Friday"), ("sat", "Saturday"), ("sun", "Sunday"))
_DAY_NAMES = dict(WEEKDAYS)


def weight_label(key: str) -> tuple[str, str]:
    return WEIGHTS.get(key) or (key.partition(".")[2] or key).replace("_", " ").capitalize(), ""


def setting_value(value: Any) -> str:
    """A stored setting value as the change log prints it: on/off, option names, days and lists in words."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list):
        return ", ".join(_DAY_NAMES.get(str(item), str(item)) for item in value) or "none"
    text = "" if value is None else str(value)
    if text.lower() in ("true", "false"):
        return "on" if text.lower() == "true" else "off"
    if text.startswith("[") and text.endswith("]"):
        items = [item.strip().strip("'\"") for item in text[1:-1].split(",") if item.strip()]
        return ", ".join(_DAY_NAMES.get(item, item) for item in items) or "none"
    return OPTION_LABELS.get(text, text) or "—"
