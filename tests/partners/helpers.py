"""A till with an API key of a shop, sending requests through the till API's own handler."""

import json
import uuid

from loyalty.services.api_keys import api_key_create
from tests.till import TillClient


class Till:
    def __init__(self, shop, role="manager"):
        self.key, self.raw = api_key_create(shop=shop, role=role)
        self.client = TillClient()

    def post(self, path, body=None, *, idem=None):
        return self.client.post(
            f"/api/v1{path}",
            data=json.dumps(body or {}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {self.raw}",
            HTTP_IDEMPOTENCY_KEY=idem or str(uuid.uuid4()),
        )

    def get(self, path, **params):
        return self.client.get(f"/api/v1{path}", params, HTTP_AUTHORIZATION=f"Bearer {self.raw}")


def error_code(response) -> str:
    return response.json()["error"]["code"]
