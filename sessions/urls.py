from django.urls import path

from sessions import views

app_name = "sessions"
urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("availability/", views.availability_edit, name="availability"),
    path(
        "availability/<slug:kind>/<int:pk>/delete/",
        views.availability_delete,
        name="availability-delete",
    ),
    path("matches/<int:match_id>/book/", views.booking_create, name="booking-create"),
    path("group/new/", views.group_session_create, name="group-session-create"),
    path("calendar/", views.calendar_feed, name="calendar"),
    path("feed/<str:token>.ics", views.calendar_feed_ics, name="feed"),
    path("<int:pk>/", views.meeting_detail, name="meeting-detail"),
    path("<int:pk>/reschedule/", views.meeting_reschedule, name="meeting-reschedule"),
    path("<int:pk>/cancel/", views.meeting_cancel, name="meeting-cancel"),
    path("<int:pk>/log/", views.meeting_log, name="meeting-log"),
    path("<int:pk>/rsvp/", views.meeting_rsvp, name="meeting-rsvp"),
    path("<int:pk>/attendance/", views.meeting_attendance, name="meeting-attendance"),
    path("<int:pk>/session.ics", views.meeting_ics_download, name="meeting-ics"),
]
