"""The leads app's models: leads and their companies, timeline and outcomes; tasks and lists; import jobs; API
tokens and form keys."""

from leads.models.api_token import ApiToken
from leads.models.form_key import FormKey
from leads.models.import_job import ImportJob
from leads.models.import_job import _import_upload_path as _import_upload_path  # the initial migration's name
from leads.models.lead import SCORE_SORT, ActivityLog, Company, Feedback, Lead, TimeStamped, score_sort_key
from leads.models.lead_list import LeadList, LeadListMember
from leads.models.task import Task

__all__ = ["SCORE_SORT", "ActivityLog", "ApiToken", "Company", "Feedback", "FormKey", "ImportJob", "Lead",
           "LeadList", "LeadListMember", "Task", "TimeStamped", "score_sort_key"]
