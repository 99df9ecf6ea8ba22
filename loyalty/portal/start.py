"""The start checklist on the dashboard: program chosen, poster printed, a cashier invited, first member, first
purchase. Read in one query; once every step is done it is marked so, and the dashboard stops showing it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from loyalty.models import Invitation, Member, Purchase, Role, Shop, StaffMembership

from .models import ConfigVersion, StartStep

POSTER = "poster"
DONE = "done"


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    url_name: str
    done: bool
    download: bool = False  # the link is a file (the poster), not a page


def step_mark(shop: Shop, step: str) -> None:
    """Record a step the data does not show (the poster was printed); marking it again changes nothing."""
    try:
        with transaction.atomic():
            StartStep.objects.create(shop=shop, step=step)
    except IntegrityError:
        pass


def start_checklist(shop: Shop) -> list[Step] | None:
    """The steps and whether each is done; None once all were done (the dashboard shows nothing then)."""
    steps = StartStep.objects.filter(shop=OuterRef("pk"))
    row = (
        Shop.objects.filter(pk=shop.pk)
        .annotate(
            finished=Exists(steps.filter(step=DONE)),
            poster=Exists(steps.filter(step=POSTER)),
            program_chosen=Exists(ConfigVersion.objects.filter(shop=OuterRef("pk")).exclude(note="before")),
            cashier=Exists(StaffMembership.objects.filter(shop=OuterRef("pk"), role=Role.CASHIER)),
            invited=Exists(Invitation.objects.filter(shop=OuterRef("pk"), role=Role.CASHIER)),
            member=Exists(Member.objects.filter(shop=OuterRef("pk"))),
            purchase=Exists(Purchase.objects.filter(shop=OuterRef("pk"))),
        )
        .values("finished", "poster", "program_chosen", "cashier", "invited", "member", "purchase")
        .get()
    )
    if row["finished"]:
        return None
    checklist = [
        Step("program", _("Choose your program"), "portal:start", row["program_chosen"]),
        Step("poster", _("Print the poster for your counter"), "portal:print_poster_pdf", row["poster"], download=True),
        Step("cashier", _("Invite a cashier"), "portal:staff", row["cashier"] or row["invited"]),
        Step("member", _("Enrol your first member"), "counter:home", row["member"]),
        Step("purchase", _("Record your first purchase"), "counter:home", row["purchase"]),
    ]
    if all(step.done for step in checklist):
        step_mark(shop, DONE)
    return checklist
