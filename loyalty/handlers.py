"""The till API's own request handler: Django's, with the short middleware list the API needs
(settings.API_MIDDLEWARE) instead of the site's. The API authenticates by key and answers JSON: it has no use
for sessions, messages, CSRF, allauth, languages or the current shop, and skipping them is time off every
till request. `loyalty.wsgi.application` sends /api/ to this handler and everything else to Django's."""

from __future__ import annotations

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.utils.module_loading import import_string

API_PREFIX = "/api/"


class ApiMiddlewareMixin:
    """load_middleware over settings.API_MIDDLEWARE: Django's loop, for synchronous middleware only."""

    def load_middleware(self, is_async=False):
        assert not is_async, "the till API is served synchronously"
        self._view_middleware, self._template_response_middleware, self._exception_middleware = [], [], []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(settings.API_MIDDLEWARE):
            middleware = import_string(path)(handler)
            if hasattr(middleware, "process_view"):
                self._view_middleware.insert(0, middleware.process_view)
            if hasattr(middleware, "process_template_response"):
                self._template_response_middleware.append(middleware.process_template_response)
            if hasattr(middleware, "process_exception"):
                self._exception_middleware.append(middleware.process_exception)
            handler = convert_exception_to_response(middleware)
        self._middleware_chain = handler


class ApiWSGIHandler(ApiMiddlewareMixin, WSGIHandler):
    pass


class PathDispatch:
    """The WSGI application: /api/ to the API's handler, the rest to the site's."""

    def __init__(self, site, api):
        self.site, self.api = site, api

    def __call__(self, environ, start_response):
        handler = self.api if environ.get("PATH_INFO", "").startswith(API_PREFIX) else self.site
        return handler(environ, start_response)
