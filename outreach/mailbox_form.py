"""The one form a mailbox is edited with (Django admin and the Mailboxes page): secrets are write-only.

A password or OAuth2 token typed here is encrypted before it is stored (`outreach.credentials`) and is
never put back into the page: the field is always empty, and left empty it keeps the stored secret.
"""

from typing import Any

from django import forms

from outreach import credentials
from outreach.models import Mailbox

_KEEP = "Leave empty to keep the one stored (it is never shown)."


class MailboxForm(forms.ModelForm):
    smtp_password = forms.CharField(label="SMTP password, app password or OAuth2 token", required=False,
                                    strip=False, widget=forms.PasswordInput(render_value=False), help_text=_KEEP)
    imap_password = forms.CharField(label="IMAP password, app password or OAuth2 token", required=False,
                                    strip=False, widget=forms.PasswordInput(render_value=False), help_text=_KEEP)
    # Often typed without a scheme ("cal.example.com/rita"); people open it over HTTPS.
    booking_link = forms.URLField(required=False, assume_scheme="https", max_length=300)

    class Meta:
        model = Mailbox
        fields = ("name", "owner", "is_team_default", "is_active", "display_name", "email", "reply_to", "signature",
                  "sender_title", "sender_phone", "booking_link", "auth", "smtp_host", "smtp_port", "smtp_security",
                  "smtp_username", "imap_host", "imap_port", "imap_security", "imap_username", "imap_folder",
                  "per_hour_cap", "per_day_cap", "stop_company_on_reply")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("is_team_default"):
            other = Mailbox.objects.filter(is_team_default=True).exclude(pk=self.instance.pk).first()
            if other is not None:
                self.add_error("is_team_default", f"“{other.name}” is the team's default; untick it there first.")
        for prefix in ("smtp", "imap"):
            stored = getattr(self.instance, f"{prefix}_secret", "")
            if cleaned.get(f"{prefix}_host") and not (cleaned.get(f"{prefix}_password") or stored):
                self.add_error(f"{prefix}_password", f"Enter the {prefix.upper()} password or token for this server.")
        return cleaned

    def save(self, commit: bool = True) -> Mailbox:
        mailbox = super().save(commit=False)
        for prefix in ("smtp", "imap"):
            secret = self.cleaned_data.get(f"{prefix}_password")
            if secret:
                setattr(mailbox, f"{prefix}_secret", credentials.encrypt(secret))
        if commit:
            mailbox.save()
        return mailbox
