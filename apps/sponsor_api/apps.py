from django.apps import AppConfig


class SponsorApiConfig(AppConfig):
    name = "apps.sponsor_api"
    label = "sponsor_api"
    verbose_name = "Sponsor REST API"
