from django.conf.locale.fa.formats import *  # noqa: F403 (Django's formats for this language, extended)

NUMBER_GROUPING = 3
