"""The portal's members table filtered by segment (loyalty.hooks.member_filter): an RFM segment as the nightly job
last named it, or one of the owner's own segments as its rules hold now."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from loyalty import hooks

from .models import RfmScore, RfmSegment, Segment
from .services.rules import segment_members

RFM, CUSTOM = "rfm:", "custom:"


def segment_choices(shop) -> list[tuple[str, object]]:
    """The ten RFM segments, then the shop's own (one query)."""
    rfm = [(f"{RFM}{code}", label) for code, label in RfmSegment.choices]
    custom = [(f"{CUSTOM}{pk}", name) for pk, name in Segment.objects.filter(shop=shop).values_list("pk", "name")]
    return rfm + custom


@hooks.member_filter("segment", _("Segment"), segment_choices, order=10)
def in_segment(shop, value: str, at) -> Q:
    if value.startswith(RFM):
        scored = RfmScore.objects.filter(shop=shop, segment=value.removeprefix(RFM)).values("member_id")
        return Q(pk__in=scored)
    segment = Segment.objects.filter(shop=shop, pk=value.removeprefix(CUSTOM)).first()
    if segment is None:
        return Q(pk__in=[])
    return Q(pk__in=segment_members(segment, at=at).values("pk"))
