from django.urls import path

from leads import api, views

app_name = "leads"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("leads/<uuid:lead_id>/", views.lead_detail, name="detail"),
    path("leads/<uuid:lead_id>/clear-gate/", views.clear_gate, name="clear_gate"),
    path("leads/<uuid:lead_id>/edit/", views.lead_edit, name="edit"),
    path("leads/<uuid:lead_id>/note/", views.add_note, name="note"),
    path("leads/<uuid:lead_id>/outcome/", views.record_outcome, name="outcome"),
    path("leads/<uuid:lead_id>/reply/", views.log_reply, name="reply"),
    path("leads/export.csv", views.export_download, name="export"),
    path("leads/new/", views.lead_new, name="new"),
    path("import/", views.import_upload, name="import"),
    path("import/<uuid:job_id>/preview/", views.import_preview, name="import_preview"),
    path("import/<uuid:job_id>/", views.import_job, name="import_job"),
    path("import/<uuid:job_id>/errors.csv", views.import_errors, name="import_errors"),
    path("api/leads", api.create_lead, name="api_create"),
]
