"""outreach.rep_work: a reply read as interested gets one task to answer it, however often it is delivered."""

from conftest import LeadFactory
from leads.models import Task
from outreach import replies
from outreach.rep_work import after_reply


def test_an_interested_reply_gets_one_task_to_answer_it(db, rep, django_capture_on_commit_callbacks):
    lead = LeadFactory(owner=rep)
    with django_capture_on_commit_callbacks(execute=True):
        replies.log_reply(lead, rep, "Yes, this sounds great, let's talk next week", "interested")
        replies.log_reply(lead, rep, "Not now, maybe next quarter", "not_now")
    entry = lead.activities.filter(type="REPLY_RECEIVED", payload__classification="interested").get()
    after_reply(None, lead_id=lead.pk, classification="interested", activity_id=entry.pk)  # delivered twice
    task = Task.objects.get()
    assert (task.lead, task.kind, task.assignee, task.source) == (lead, Task.Kind.EMAIL, rep, Task.Source.REPLY)
