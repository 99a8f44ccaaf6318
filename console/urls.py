"""The staff pages and the public unsubscribe page.

URL names keep the namespace of the domain they show (`leads:detail`, `outreach:review`,
`scoring:settings`), so a template names the page, not the module that draws it.
"""

from django.urls import include, path

from console.views import (
    integrations,
    jobs,
    leads,
    lists,
    mailboxes,
    model,
    owners,
    reports,
    review,
    sequences,
    settings,
    templates,
    today,
    tracking,
    unsubscribe,
    work,
)

leads_pages = ([
    path("", leads.dashboard, name="dashboard"),
    path("leads/<uuid:lead_id>/", leads.lead_detail, name="detail"),
    path("leads/<uuid:lead_id>/clear-gate/", leads.clear_gate, name="clear_gate"),
    path("leads/<uuid:lead_id>/edit/", leads.lead_edit, name="edit"),
    path("leads/<uuid:lead_id>/erase/", leads.erase_person, name="erase"),
    path("leads/<uuid:lead_id>/note/", leads.add_note, name="note"),
    path("leads/<uuid:lead_id>/outcome/", leads.record_outcome, name="outcome"),
    path("leads/<uuid:lead_id>/reply/", leads.log_reply, name="reply"),
    path("leads/export.csv", leads.export_download, name="export"),
    path("leads/new/", leads.lead_new, name="new"),
    path("today/", today.today_page, name="today"),
    path("leads/<uuid:lead_id>/assign/", work.assign_lead, name="assign"),
    path("leads/<uuid:lead_id>/tasks/", work.task_add, name="task_add"),
    path("tasks/<int:task_id>/done/", work.task_done, name="task_done"),
    path("tasks/<int:task_id>/cancel/", work.task_cancel, name="task_cancel"),
    path("tasks/<int:task_id>/move/", work.task_reschedule, name="task_reschedule"),
    path("leads/assign/", owners.bulk_assign, name="bulk_assign"),
    path("settings/assignment-rules/", owners.assignment_rules, name="assignment_rules"),
    path("settings/assignment-rules/<int:rule_id>/", owners.assignment_rule_change, name="assignment_rule_change"),
    path("lists/", lists.lists_page, name="lists"),
    path("lists/save/", lists.save_list, name="list_save"),
    path("lists/<int:list_id>/", lists.list_detail, name="list_detail"),
    path("lists/<int:list_id>/act/", lists.list_act, name="list_act"),
    path("lists/<int:list_id>/export.csv", lists.list_export, name="list_export"),
    path("import/", leads.import_upload, name="import"),
    path("import/<uuid:job_id>/preview/", leads.import_preview, name="import_preview"),
    path("import/<uuid:job_id>/", leads.import_job, name="import_job"),
    path("import/<uuid:job_id>/errors.csv", leads.import_errors, name="import_errors"),
], "leads")

outreach_pages = ([
    path("review/", review.review_queue, name="review"),
    path("review/bulk-approve/", review.bulk_approve, name="bulk_approve"),
    # The draft editor's buttons (lead page and review queue); see review.ACTIONS.
    path("drafts/<uuid:draft_id>/save/", review.draft_action, {"action": "save"}, name="draft_save"),
    path("drafts/<uuid:draft_id>/approve/", review.draft_action, {"action": "approve"}, name="draft_approve"),
    path("drafts/<uuid:draft_id>/reject/", review.draft_action, {"action": "reject"}, name="draft_reject"),
    path("drafts/<uuid:draft_id>/needs-info/", review.draft_action, {"action": "needs_info"},
         name="draft_needs_info"),
    path("drafts/<uuid:draft_id>/send-now/", review.send_now, name="draft_send_now"),
    path("drafts/<uuid:draft_id>/regenerate/", review.regenerate, name="draft_regenerate"),
    path("drafts/<uuid:draft_id>/disqualify/", review.draft_action, {"action": "disqualify"},
         name="draft_disqualify"),
    path("leads/<uuid:lead_id>/redraft/", review.redraft, name="redraft"),
    # A manager's decision on a disqualification that waits for one (lead page and review queue).
    path("leads/<uuid:lead_id>/disqualification/confirm/", review.confirm_disqualification,
         name="disqualification_confirm"),
    path("leads/<uuid:lead_id>/disqualification/keep/", review.keep_lead, name="disqualification_keep"),
    path("leads/<uuid:lead_id>/llm-suggestion/approve/", review.email_line_decision, {"decision": "approve"},
         name="email_line_approve"),
    path("leads/<uuid:lead_id>/llm-suggestion/decline/", review.email_line_decision, {"decision": "decline"},
         name="email_line_decline"),
    path("unsubscribe/<str:token>", unsubscribe.unsubscribe, name="unsubscribe"),
    path("mailboxes/", mailboxes.mailboxes_page, name="mailboxes"),
    path("mailboxes/<int:mailbox_id>/", mailboxes.mailboxes_page, name="mailbox_edit"),
    path("templates/", templates.templates_page, name="templates"),
    path("templates/new/", templates.template_edit, name="template_new"),
    path("templates/<slug:key>/", templates.template_edit, name="template_edit"),
    path("templates/<slug:key>/versions/<int:number>/", templates.template_version, name="template_version"),
    path("templates/<slug:key>/versions/<int:number>/roll-back/", templates.template_roll_back,
         name="template_roll_back"),
    path("sequences/", sequences.sequences_page, name="sequences"),
    path("sequences/<int:sequence_id>/", sequences.sequence_page, name="sequence"),
    path("sequences/steps/<int:step_id>/", sequences.step_report, name="sequence_step"),
    path("sequences/steps/<int:step_id>/variants/", sequences.switch_variant, name="sequence_step_variant"),
], "outreach")

scoring_pages = ([
    path("settings/", settings.settings_page, name="settings"),
    path("settings/scoring/preview/", settings.scoring_preview, name="settings_preview"),
    path("settings/scoring/", settings.scoring_save, name="settings_save"),
    path("settings/scoring/<int:version>/activate/", settings.scoring_rollback, name="settings_rollback"),
    path("settings/runtime/", settings.runtime_save, name="settings_runtime"),
    path("scoring/model/", model.model_page, name="model"),
    path("scoring/model/<int:version>/activate/", model.activate_version, name="model_activate"),
    path("scoring/model/rollback/", model.rollback_version, name="model_rollback"),
    path("scoring/model/train/", model.train_now, name="model_train"),
], "scoring")

integration_pages = ([
    path("settings/api-tokens/", integrations.api_tokens, name="api_tokens"),
    path("settings/api-tokens/<int:token_id>/revoke/", integrations.revoke_token, name="revoke_token"),
    path("settings/webhooks/", integrations.webhooks, name="webhooks"),
    path("settings/webhooks/<int:endpoint_id>/switch/", integrations.switch_endpoint, name="switch_endpoint"),
    path("settings/webhooks/deliveries/<int:delivery_id>/send-again/", integrations.send_again, name="send_again"),
    path("settings/forms/", integrations.form_keys, name="form_keys"),
    path("settings/forms/<int:key_id>/switch/", integrations.switch_form_key, name="switch_form_key"),
], "integrations")

jobs_pages = ([
    path("jobs/", jobs.jobs_page, name="list"),
    path("jobs/<uuid:job_id>/", jobs.job_detail, name="detail"),
], "jobs")

report_pages = ([
    path("reports/", reports.agent_report, name="agent"),
    path("reports/sequences/", reports.sequences_report, name="sequences"),
    path("reports/funnel/", reports.funnel_report, name="funnel"),
    path("reports/health/", reports.health_report, name="health"),
    path("reports/<slug:name>.csv", reports.report_csv, name="csv"),
    path("reports/emails/", reports.subscriptions, name="subscriptions"),
], "reports")

# Open and click tracking (off unless EMAIL_TRACKING): no sign-in, the link is the credential.
tracking_pages = ([
    path("t/o/<str:token>.gif", tracking.pixel, name="open"),
    path("t/c/<str:token>", tracking.click, name="click"),
], "tracking")

urlpatterns = [
    path("", include(report_pages)),
    path("", include(tracking_pages)),
    path("", include(integration_pages)),
    path("", include(jobs_pages)),
    path("", include(outreach_pages)),
    path("", include(scoring_pages)),
    path("", include(leads_pages)),
]
