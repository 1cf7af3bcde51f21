"""The OpenAPI 3.1 schema and the interactive docs are served by the app itself, with no CDN assets."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_schema_is_openapi_3_1_with_every_contract_route_and_bearer_auth() -> None:
    response = Client().get("/api/v1/schema/?format=json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    for route in [
        "/api/v1/trials/",
        "/api/v1/trials/{trial_id}/",
        "/api/v1/parse/",
        "/api/v1/runs/",
        "/api/v1/runs/{id}/",
    ]:
        assert route in schema["paths"], route
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}


def test_the_docs_page_loads_its_scripts_and_styles_from_the_app_itself() -> None:
    client = Client()

    page = client.get("/api/v1/docs/")

    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/") for a in assets), assets
    assert "<script>" not in html and "<style" not in html  # nothing inline: it works under the CSP
    for asset in assets:
        if asset.startswith("/static/"):
            assert finders.find(asset.removeprefix("/static/").split("?")[0]), asset
        else:
            assert client.get(asset).status_code == 200, asset
