from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("", views.conversation_list, name="list"),
    path("<int:pk>/", views.conversation_detail, name="conversation"),
    path("<int:pk>/new/", views.conversation_poll, name="poll"),
    path("<int:pk>/files/<int:message_pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/report/<int:message_pk>/", views.message_report_view, name="report"),
    path("matches/<int:pk>/", views.match_conversation, name="match"),
    path("programs/<int:pk>/coordinators/", views.coordinators_conversation, name="coordinators"),
    path("programs/<int:pk>/", views.program_messages, name="program"),
    path("programs/<int:pk>/announce/", views.announcement_create, name="announce"),
    path("reports/<int:pk>/", views.report_detail, name="report-detail"),
]
