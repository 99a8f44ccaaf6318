from django.urls import path

from outreach import views

app_name = "outreach"
urlpatterns: list = [
    path("unsubscribe/<str:token>", views.unsubscribe, name="unsubscribe"),
    path("hooks/inbound-email", views.inbound_email, name="inbound-email"),
]
