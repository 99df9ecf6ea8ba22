import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client

from loyalty.notifications import gateways


@pytest.fixture
def retries_run_eagerly(monkeypatch):
    """Eager tasks in the test settings propagate exceptions, a retry's too; here Celery runs the retries."""
    from loyalty.celery import app

    monkeypatch.setattr(app.conf, "task_eager_propagates", False)


@pytest.fixture(autouse=True)
def text_outbox():
    """The locmem gateway's outbox, empty for each test (like Django's mail.outbox)."""
    gateways.outbox.clear()
    yield gateways.outbox
    gateways.outbox.clear()


class Provider:
    """A local HTTP server standing in for an SMS/Zalo provider: answers the given statuses in order (then 200)
    and keeps each request's headers and JSON body."""

    def __init__(self, statuses):
        self.statuses, self.received = list(statuses), []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                provider.received.append((dict(self.headers), body))
                status = provider.statuses.pop(0) if provider.statuses else 200
                answer = json.dumps({"id": f"prov-{len(provider.received)}"} if status < 300 else {"error": "busy"})
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(answer.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/messages"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider():
    made = []

    def make(*statuses):
        made.append(Provider(statuses))
        return made[-1]

    yield make
    for server in made:
        server.close()


@pytest.fixture
def as_user(db):
    """A client signed in as the given person."""

    def sign_in(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return sign_in
