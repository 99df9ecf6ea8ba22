"""A test client that sends its requests through the till API's own handler (loyalty/handlers.py), as
`loyalty.wsgi.application` does in production, so the API's tests run with the API's middleware."""

from django.test import Client
from django.test.client import ClientHandler

from loyalty.handlers import ApiMiddlewareMixin


class ApiClientHandler(ApiMiddlewareMixin, ClientHandler):
    pass


class TillClient(Client):
    def __init__(self, **defaults):
        super().__init__(**defaults)
        self.handler = ApiClientHandler(enforce_csrf_checks=False)
