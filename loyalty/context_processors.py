from django.conf import settings


def current_shop(request) -> dict:
    membership = getattr(request, "staff_membership", None)
    membership = membership if membership else None
    return {
        "staff_membership": membership,
        "current_shop": membership.shop if membership else None,
        "LANGUAGES_RTL": {"fa"},
        "DEBUG": settings.DEBUG,
    }
