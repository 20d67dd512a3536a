from django.urls import path

from privacy.views import data, deletion, notice, settings

app_name = "privacy"
urlpatterns = [
    path("privacy/", notice.notice_detail, name="notice"),
    path("privacy/accept/", notice.notice_accept, name="notice-accept"),
    path("accounts/privacy/", settings.privacy_settings, name="settings"),
    path("accounts/data/", data.data_export_list, name="data"),
    path("accounts/data/<str:token>/", data.data_export_download, name="data-download"),
    path("accounts/delete/", deletion.account_delete, name="delete"),
]
