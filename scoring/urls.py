from django.urls import path

from scoring import settings_views, views

app_name = "scoring"
urlpatterns: list = [
    path("settings/", settings_views.settings_page, name="settings"),
    path("settings/scoring/preview/", settings_views.scoring_preview, name="settings_preview"),
    path("settings/scoring/", settings_views.scoring_save, name="settings_save"),
    path("settings/scoring/<int:version>/activate/", settings_views.scoring_rollback, name="settings_rollback"),
    path("settings/runtime/", settings_views.runtime_save, name="settings_runtime"),
]
