from django.urls import path

from outreach import review_views, views

app_name = "outreach"
urlpatterns: list = [
    path("review/", review_views.review_queue, name="review"),
    path("review/bulk-approve/", review_views.bulk_approve, name="bulk_approve"),
    # The draft editor's buttons (lead page and review queue); see review_views.ACTIONS.
    path("drafts/<uuid:draft_id>/save/", review_views.draft_action, {"action": "save"}, name="draft_save"),
    path("drafts/<uuid:draft_id>/approve/", review_views.draft_action, {"action": "approve"}, name="draft_approve"),
    path("drafts/<uuid:draft_id>/reject/", review_views.draft_action, {"action": "reject"}, name="draft_reject"),
    path("drafts/<uuid:draft_id>/needs-info/", review_views.draft_action, {"action": "needs_info"},
         name="draft_needs_info"),
    path("drafts/<uuid:draft_id>/disqualify/", review_views.draft_action, {"action": "disqualify"},
         name="draft_disqualify"),
    path("unsubscribe/<str:token>", views.unsubscribe, name="unsubscribe"),
    path("hooks/inbound-email", views.inbound_email, name="inbound-email"),
]
