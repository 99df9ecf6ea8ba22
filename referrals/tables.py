"""The portal's referral table (loyalty.portal.tables.PortalTable), exporting the CSV of what it shows."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from loyalty.portal.tables import PortalTable

from .models import Reason

ERASED = _("(erased)")
WAITING = _("waiting for review")
# Where the friend joined (member_enrol's channel), as the owner reads it.
CHANNELS = {
    "join_page": _("Join page"),
    "counter": _("Counter"),
    "till": _("Till API"),
    "portal": _("Portal"),
    "import": _("Import"),
}


def person(member) -> str:
    """A member as the owner reads them; an erased member stays counted, without a name."""
    if member.erased_at:
        return str(ERASED)
    return member.name or member.phone


class ReferralTable(PortalTable):
    created_at = tables.DateTimeColumn(verbose_name=_("Joined"), short=True)
    referrer = tables.Column(verbose_name=_("Referrer"), order_by=("referrer__name",))
    referee = tables.Column(verbose_name=_("Friend"), order_by=("referee__name",))
    status = tables.Column(verbose_name=_("Status"))
    reason = tables.Column(verbose_name=_("Why"), default="—")
    purchased_at = tables.DateTimeColumn(verbose_name=_("First purchase"), short=True, default="—")
    due_at = tables.DateTimeColumn(verbose_name=_("Due"), short=True, default="—")
    approved_at = tables.DateTimeColumn(verbose_name=_("Approved"), short=True, default="—")
    channel = tables.Column(verbose_name=_("Where"), default="—")

    class Meta(PortalTable.Meta):
        order_by = ("-created_at",)
        empty_text = _("No referrals match.")

    def render_referrer(self, value) -> str:
        return person(value)

    def render_referee(self, value) -> str:
        return person(value)

    value_referrer = render_referrer
    value_referee = render_referee

    def render_status(self, record) -> str:
        text = record.get_status_display()
        return f"{text} · {WAITING}" if record.held else text

    def render_channel(self, value) -> str:
        return str(CHANNELS.get(value, value))

    def render_reason(self, value) -> str:
        return str(Reason(value).label) if value in Reason.values else value
