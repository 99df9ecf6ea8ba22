import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loyalty.settings.development")
site = get_wsgi_application()  # sets Django up first

from loyalty.handlers import ApiWSGIHandler, PathDispatch  # noqa: E402 - needs the settings configured above

application = PathDispatch(site, ApiWSGIHandler())
