"""The kinds of email a lead gets (`EmailDraft.Variant`): a lead has at most one open draft of each."""

from django.db import models


class Variant(models.TextChoices):
    FIRST_TOUCH = "first_touch", "First touch"
    FOLLOW_UP_1 = "follow_up_1", "Follow-up 1"
    FOLLOW_UP_2 = "follow_up_2", "Follow-up 2"
    FOLLOW_UP_3 = "follow_up_3", "Follow-up 3"
    BREAKUP = "breakup", "Break-up"
    NURTURE = "nurture", "Nurture"
    CLARIFYING_QUESTION = "clarifying_question", "Clarifying question"
