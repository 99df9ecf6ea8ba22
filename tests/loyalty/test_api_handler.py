"""The WSGI application sends the till API to its own handler, with the API's short middleware list, and the
site to Django's (loyalty/handlers.py)."""

from io import BytesIO
from wsgiref.util import setup_testing_defaults

from loyalty.wsgi import application


def call(path: str) -> tuple[str, dict]:
    environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET", "wsgi.input": BytesIO(b"")}
    setup_testing_defaults(environ)
    environ["HTTP_HOST"] = "127.0.0.1"
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)

    b"".join(application(environ, start_response))
    return seen["status"], seen["headers"]


def test_the_api_is_answered_without_the_sites_middleware(db):
    status, headers = call("/api/v1/members/lookup")
    assert status.startswith("401")
    # The site's middleware would add these: languages (Content-Language), clickjacking (X-Frame-Options).
    assert "Content-Language" not in headers and "X-Frame-Options" not in headers
    assert headers.get("X-Content-Type-Options") == "nosniff"  # SecurityMiddleware still runs


def test_the_site_keeps_its_middleware(db):
    status, headers = call("/accounts/login/")
    assert status.startswith("200")
    assert "X-Frame-Options" in headers and "Content-Language" in headers
