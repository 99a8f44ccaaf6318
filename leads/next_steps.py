"""What to do next with a lead: qualification's advice while it applies, else what its status asks.

The advice (`Lead.recommended_action`) is made when the lead is qualified; once a question is out, an
email sent, a meeting booked or the lead closed, "Send email" would be stale. The dashboard's action column
and the lead page show the step for the status instead.
"""

from leads.models import Lead

Status = Lead.Status
# Status -> (the list's label, the lead page's sentence). Closed leads have nothing left to do: no label.
STEPS: dict[str, tuple[str, str]] = {
    Status.NEEDS_INFO: ("Wait for answers", "Waiting for the answers to the clarifying question: log their reply "
                                            "when it comes."),
    Status.CONTACTED: ("Wait for a reply", "Emailed: log their reply, or the outcome, when it comes."),
    Status.MEETING_BOOKED: ("Record the outcome", "Meeting booked: record how it went (won, lost or no response) "
                                                  "once it has taken place."),
    Status.CLOSED_WON: ("", "Closed won: nothing more to do."),
    Status.CLOSED_LOST: ("", "Closed lost: nothing more to do."),
    Status.DISQUALIFIED: ("", "Disqualified: nothing more to do."),
}
_ADVICE = dict(Lead.Action.choices)


def label(status: str, recommended_action: str) -> str:
    """What to do next, in a few words (the dashboard's action column)."""
    if status in Lead.ACTION_STATUSES:
        return _ADVICE.get(recommended_action, "")
    return STEPS.get(status, ("", ""))[0]


def sentence(lead: Lead) -> str:
    """The lead page's line in place of advice that no longer applies ("" while the advice applies)."""
    if lead.action_is_current:
        return ""
    return STEPS.get(lead.status, ("", ""))[1]
