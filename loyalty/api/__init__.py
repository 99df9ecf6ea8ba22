"""The till API v1 (shared/spec/pos-api.md) on django-ninja."""

from django.apps import apps
from ninja import NinjaAPI

from . import errors
from .auth import ApiKeyAuth
from .events import router as events_router
from .links import add_links
from .members import router as members_router
from .purchases import router as purchases_router
from .rewards import router as rewards_router


class TillApi(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """The document, with the links between operations (links.py)."""
        return add_links(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))


api = TillApi(
    title="Regulars till API",
    version="1",
    description="The JSON API that shop tills and web shops use. Authenticate with `Authorization: Bearer <key>`; "
    "every state-changing POST needs an `Idempotency-Key` header.",
    auth=ApiKeyAuth(),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
errors.install(api)
for router in (members_router, purchases_router, rewards_router, events_router):
    api.add_router("/", router)
# The program apps' endpoints, named by their AppConfig (`api_router = "referrals.api.router"`).
for config in apps.get_app_configs():
    if getattr(config, "api_router", None):
        api.add_router("/", config.api_router)
