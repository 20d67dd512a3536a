"""The Sites framework's row names this deployment (allauth's emails use it)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sites.models import Site


def site_ensure() -> Site:
    """Set the name and domain of the Sites row (SITE_ID) from SITE_NAME and SITE_URL's host,
    so allauth's emails say "Hello from Mentoring" and name our domain, not "example.com"
    (the row Django creates). Runs after every migrate, so a changed setting takes effect."""
    site, _ = Site.objects.update_or_create(
        pk=settings.SITE_ID,
        defaults={"domain": urlsplit(settings.SITE_URL).netloc, "name": settings.SITE_NAME},
    )
    return site
