from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The staff UI: every page, its helpers and partials. It owns no models."""

    name = "console"

    def ready(self) -> None:
        from django.contrib.auth.models import User
        from django.db.models.signals import m2m_changed, post_delete, post_save

        # The report sections of the scheduled emails read apps above outreach, so this app writes them.
        from console.reports import email_sections
        from leadops.cache import invalidate

        email_sections.register()
        # The owner pick lists are cached (console.dashboard.owner_choices): a new rep, a renamed or deactivated
        # one, or a changed role shows on the next page.
        post_save.connect(invalidate, sender=User, dispatch_uid="console.owners.saved")
        post_delete.connect(invalidate, sender=User, dispatch_uid="console.owners.deleted")
        m2m_changed.connect(invalidate, sender=User.groups.through, dispatch_uid="console.owners.groups")
