from django.urls import path

from api import token_views

app_name = "api-tokens"

urlpatterns = [
    path("", token_views.token_list, name="list"),
    path("<int:pk>/revoke/", token_views.token_revoke_view, name="revoke"),
]
