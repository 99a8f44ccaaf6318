from django.urls import path

from assistant import views

app_name = "assistant"
urlpatterns = [
    path("assistant/", views.assistant_page, name="page"),
    path("assistant/panel/", views.panel, name="panel"),
    path("assistant/ask/", views.ask, name="ask"),
    path("assistant/<uuid:conversation_id>/", views.assistant_page, name="conversation"),
    path("assistant/messages/<uuid:message_id>/", views.message, name="message"),
    path("assistant/messages/<uuid:message_id>/stream/", views.stream, name="stream"),
    path("assistant/actions/<uuid:action_id>/confirm/", views.confirm_action, name="confirm"),
    path("assistant/actions/<uuid:action_id>/cancel/", views.cancel_action, name="cancel"),
]
