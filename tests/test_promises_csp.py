"""PROMISES 23: the Content-Security-Policy on every response, no inline script or style in any page, and
`Cache-Control: no-store` on every response to a signed-in user; all checked for every URL of the URL
configuration (tests/site_map.py) as every role. The browser side is tests/browser/test_csp.py."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from tests.site_map import ROLES, build_world, endpoints, requests
from tests.test_settings import PRODUCTION_ENV, _run

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
# Pages with inline code the policy makes browsers ignore, each with its owner. An entry fails the test
# once its page is clean, so the list only shrinks.
KNOWN_INLINE: dict[str, str] = {}


def policy(header: str) -> dict[str, str]:
    directives = (d.strip().split(None, 1) for d in header.split(";") if d.strip())
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives}


def cache_directives(response: Any) -> set[str]:
    return {d.strip().split("=")[0].lower() for d in response.get("Cache-Control", "").split(",")}


class InlineCode(HTMLParser):
    """Collects what a strict policy blocks: inline scripts and styles, style and on* attributes,
    javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "style":
            self.found.append("<style> element")
        if tag == "script":
            self._in_script = True
            if not values.get("src") and values.get("type") != "application/json":
                self.found.append("<script> without src")
        for name, value in values.items():
            if name == "style" or name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>")
            if (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL in {name}= on <{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append("<script> with a body")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def test_the_finder_sees_each_kind_of_inline_code() -> None:
    html = (
        "<style>p{}</style><script>alert(1)</script><script src='/a.js'>x()</script>"
        "<p style='color:red' onclick='x()'><a href=' JavaScript:x()'>a</a></p>"
        "<script src='/ok.js' data-x='1'>\n</script>"
    )

    assert inline_code(html) == [
        "<style> element",
        "<script> without src",
        "<script> with a body",
        "<script> with a body",
        "style= on <p>",
        "onclick= on <p>",
        "javascript: URL in href= on <a>",
    ]


@pytest.mark.django_db
def test_every_response_has_the_policy_no_inline_code_and_no_store_when_signed_in(
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = build_world(django_capture_on_commit_callbacks)
    problems: list[str] = []
    inline_pages: dict[str, list[str]] = {}

    for role in ROLES:
        client = world.client(role)
        for endpoint in endpoints():
            for key, path in requests(endpoint, world):
                response = client.get(path)
                where = f"{key} as {role} ({path}, {response.status_code})"
                if policy(response.get("Content-Security-Policy", "")) != POLICY:
                    problems.append(f"{where}: policy {response.get('Content-Security-Policy')!r}")
                if role != "anonymous" and "no-store" not in cache_directives(response):
                    problems.append(f"{where}: Cache-Control {response.get('Cache-Control')!r}")
                if response.get("Content-Type", "").startswith("text/html"):
                    found = inline_code(response.content.decode())
                    if found:
                        inline_pages[key] = found

    unexpected = {k: v for k, v in inline_pages.items() if k not in KNOWN_INLINE}
    assert not problems, "\n".join(problems)
    assert not unexpected, f"inline code (move it to a static file): {unexpected}"
    assert set(inline_pages) == set(KNOWN_INLINE), "a known page is clean now: drop it from KNOWN_INLINE"


def test_production_settings_send_the_same_policy() -> None:
    out = _run(
        "import django; django.setup(); from django.conf import settings as s; "
        "from csp.utils import build_policy; "
        "print(build_policy()); print('csp.middleware.CSPMiddleware' in s.MIDDLEWARE)",
        PRODUCTION_ENV,
    )

    header, installed = out.strip().splitlines()
    assert policy(header) == POLICY
    assert installed == "True"
