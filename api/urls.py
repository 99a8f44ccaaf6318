"""JSON endpoints for other systems: the intake API and the inbound-email hook."""

from django.urls import path

from api import inbound_email, leads

app_name = "api"
urlpatterns = [
    path("api/leads", leads.create_lead, name="create_lead"),
    path("hooks/inbound-email", inbound_email.inbound_email, name="inbound_email"),
]
