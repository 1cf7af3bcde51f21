from django.urls import path

from . import views, views_cohorts

app_name = "coordinator"

urlpatterns = [
    path("", views.home, name="home"),
    path("cohorts/", views_cohorts.cohort_list, name="cohort-list"),
    path("cohorts/<int:pk>/", views_cohorts.cohort_detail, name="cohort-detail"),
    path("cohorts/strata/<int:pk>/", views_cohorts.stratification_detail, name="stratification-detail"),
    path("cohorts/analyses/<int:pk>/", views_cohorts.analysis_detail, name="analysis-detail"),
    path("cohorts/analyses/<int:pk>/<str:plot>.<str:fmt>", views_cohorts.analysis_plot, name="analysis-plot"),
]
