from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from api import token_views as api_token_views
from mentoring import admin_views, views

# The admin logs in through allauth's pages, so it shares their rate limits.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("favicon.ico", views.favicon, name="favicon"),
    # /privacy/, /accounts/privacy/, /accounts/data/, /accounts/delete/ (before allauth's).
    path("", include("privacy.urls")),
    path("accounts/", include("allauth.urls")),
    path("accounts/", include("accounts.urls")),
    path("programs/", include("programs.urls")),
    path("notifications/", include("notifications.urls")),
    path("sessions/", include("sessions.urls")),
    path("matching/", include("matching.urls")),
    path("training/", include("training.urls")),
    path("relationships/", include("relationships.urls")),
    path("messages/", include("messaging.urls")),
    path("outcomes/", include("outcomes.urls")),
    path("evaluation/", include("evaluation.urls")),
    path("api/v1/", include("api.urls")),
    path("api/tokens/", include("api.token_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_token_views.docs, name="api-docs"),
    # Shadows the admin's own "view on site" redirect (same pattern): only objects the user
    # may see in the admin. Reversing "admin:view_on_site" gives this same URL.
    path(
        "admin/r/<path:content_type_id>/<path:object_id>/",
        admin.site.admin_view(admin_views.view_on_site),
    ),
    path("admin/", admin.site.urls),
]
