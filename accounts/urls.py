from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile_edit, name="profile"),
    path("email-confirmed/", views.email_confirmed, name="email-confirmed"),
]
