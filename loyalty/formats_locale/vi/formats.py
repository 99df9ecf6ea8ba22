from django.conf.locale.vi.formats import *  # noqa: F403 (Django's formats for this language, extended)

NUMBER_GROUPING = 3
