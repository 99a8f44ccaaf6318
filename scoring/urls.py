from django.urls import path

from scoring import settings_views, views

app_name = "scoring"
urlpatterns: list = [
    path("settings/", settings_views.settings_page, name="settings"),
    path("settings/scoring/preview/", settings_views.scoring_preview, name="settings_preview"),
    path("settings/scoring/", settings_views.scoring_save, name="settings_save"),
    path("settings/scoring/<int:version>/activate/", settings_views.scoring_rollback, name="settings_rollback"),
    path("settings/runtime/", settings_views.runtime_save, name="settings_runtime"),
    path("scoring/model/", views.model_page, name="model"),
    path("scoring/model/<int:version>/activate/", views.activate_version, name="model_activate"),
    path("scoring/model/rollback/", views.rollback_version, name="model_rollback"),
    path("scoring/model/train/", views.train_now, name="model_train"),
]
