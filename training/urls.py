from django.urls import path

from training import views

app_name = "training"

urlpatterns = [
    path("programs/", views.program_list, name="program-list"),
    path("programs/<int:program_id>/", views.checklist, name="checklist"),
    path("programs/<int:pk>/completion/", views.completion, name="completion"),
    path(
        "programs/<int:pk>/completion.<slug:fmt>",
        views.completion_download,
        name="completion-export",
    ),
    path("steps/<int:pk>/", views.step_detail, name="step"),
    path("steps/<int:pk>/done/", views.step_done, name="step-done"),
    path("steps/<int:pk>/acknowledge/", views.step_acknowledge_view, name="step-acknowledge"),
    path("steps/<int:pk>/quiz/", views.quiz_submit, name="quiz-submit"),
    path("steps/<int:pk>/file/", views.step_file, name="step-file"),
    path("attempts/<int:pk>/", views.attempt_detail, name="attempt"),
]
