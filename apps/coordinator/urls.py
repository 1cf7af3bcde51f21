from django.urls import path

from . import views, views_cohorts, views_patients, views_reports, views_review, views_runs

app_name = "coordinator"

urlpatterns = [
    path("", views.home, name="home"),
    path("trials/", views.trial_list, name="trial-list"),
    path("trials/<int:pk>/", views.trial_detail, name="trial-detail"),
    path("trials/<int:pk>/export.csv", views_reports.trial_export, name="trial-export"),
    path("trials/<int:pk>/bulk/", views_patients.trial_bulk_move, name="trial-bulk-move"),
    path("trials/<int:pk>/follow/", views_patients.trial_follow, name="trial-follow"),
    path("trials/<int:pk>/criteria/correct/", views_review.criteria_correct, name="criteria-correct"),
    path("trials/<int:pk>/criteria/approve/", views_review.criteria_approve, name="criteria-approve"),
    path("patients/", views_patients.patient_list, name="patient-list"),
    path("patients/<int:pk>/", views_patients.patient_detail, name="patient-detail"),
    path("patients/<int:pk>/trials/<int:trial_pk>/", views_patients.match_detail, name="match-detail"),
    path(
        "patients/<int:pk>/trials/<int:trial_pk>/explain/", views_patients.match_explain, name="match-explain"
    ),
    path("patients/<int:pk>/trials/<int:trial_pk>/move/", views_patients.match_move, name="match-move"),
    path("patients/<int:pk>/trials/<int:trial_pk>/note/", views_patients.match_note, name="match-note"),
    path("patients/<int:pk>/trials/<int:trial_pk>/assign/", views_patients.match_assign, name="match-assign"),
    path("patients/<int:pk>/trials/<int:trial_pk>/flag/", views_patients.verdict_flag, name="verdict-flag"),
    path("worklist/missing-data/", views_reports.missing_data, name="missing-data"),
    path("quality/", views_reports.quality_report, name="quality"),
    path("runs/", views_runs.run_list, name="run-list"),
    path("runs/<int:pk>/", views_runs.run_detail, name="run-detail"),
    path("runs/<int:pk>/progress/", views_runs.run_progress, name="run-progress"),
    path("import/", views_runs.import_page, name="import"),
    path("notifications/", views_reports.notifications, name="notifications"),
    path("notifications/read/", views_reports.notifications_read, name="notifications-read"),
    path("audit/", views_reports.audit_log, name="audit"),
    path("audit/verify/", views_reports.audit_verify, name="audit-verify"),
    path("cohorts/", views_cohorts.cohort_list, name="cohort-list"),
    path("cohorts/<int:pk>/", views_cohorts.cohort_detail, name="cohort-detail"),
    path("cohorts/strata/<int:pk>/", views_cohorts.stratification_detail, name="stratification-detail"),
    path("cohorts/analyses/<int:pk>/", views_cohorts.analysis_detail, name="analysis-detail"),
    path("cohorts/analyses/<int:pk>/<str:plot>.<str:fmt>", views_cohorts.analysis_plot, name="analysis-plot"),
]
