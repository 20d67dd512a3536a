from django.urls import path

from programs import views

app_name = "programs"
urlpatterns = [
    path("", views.program_list, name="list"),
    path("invitation/<str:token>/", views.invitation_landing, name="invitation"),
    path(
        "staff-invitations/<str:token>/",
        views.staff_invitation_accept_view,
        name="staff-invitation",
    ),
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application-edit"),
    path(
        "applications/<int:pk>/withdraw/",
        views.application_withdraw_view,
        name="application-withdraw",
    ),
    path("<slug:slug>/", views.program_detail, name="detail"),
    path("<slug:slug>/apply/<str:role>/", views.application_create, name="application-create"),
]
