"""JSON endpoints for other systems: the intake API, website forms and the inbound-email hook (v1: api/v1)."""

from django.urls import path

from api import forms, inbound_email, leads

app_name = "api"
urlpatterns = [
    path("api/leads", leads.create_lead, name="create_lead"),
    path("api/forms/<str:key>", forms.post_form, name="form"),
    path("hooks/inbound-email", inbound_email.inbound_email, name="inbound_email"),
]
