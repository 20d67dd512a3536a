from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile_edit, name="profile"),
    path("profile/about/", views.profile_about, name="profile-about"),
    path("profile/photo/", views.profile_photo, name="profile-photo"),
    path("profile/photo/delete/", views.profile_photo_delete, name="profile-photo-delete"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
    path("people/<int:pk>/photo/", views.person_photo, name="person-photo"),
    path("language/", views.language_set, name="language"),
    path("email-confirmed/", views.email_confirmed, name="email-confirmed"),
]
