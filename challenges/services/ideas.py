"""The ideas board of a shop's page: signed-in members post suggestions and vote; the owner answers, marks what
was done and hides what does not belong. Members appear by first name and initial only; posting is limited per
member per day, counted in the database (not in a cache), so it holds across web processes."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from loyalty.errors import NotFound, ValidationFailed
from loyalty.models import Member
from loyalty.services.transactions import atomic_service

from ..errors import TooManyIdeas
from ..models import Idea, IdeaStatus, IdeaVote

IDEAS_PER_DAY = 3
MAX_LENGTH = 500


def idea_get(shop, idea_id) -> Idea:
    try:
        return Idea.objects.get(shop=shop, pk=int(str(idea_id)))
    except (Idea.DoesNotExist, ValueError, OverflowError):
        raise NotFound("Idea not found.", code="idea_not_found") from None


@atomic_service
def idea_post(*, member: Member, text: str, at: datetime | None = None) -> Idea:
    at = at or timezone.now()
    text = " ".join((text or "").split())
    if len(text) < 3:
        raise ValidationFailed(fields={"text": "Write a few words."})
    if len(text) > MAX_LENGTH:
        raise ValidationFailed(fields={"text": f"At most {MAX_LENGTH} characters."})
    Member.objects.select_for_update(of=("self",)).filter(pk=member.pk).values_list("pk").first()  # one at a time
    recent = Idea.objects.filter(member=member, created_at__gt=at - timedelta(days=1)).count()
    if recent >= IDEAS_PER_DAY:
        raise TooManyIdeas(f"At most {IDEAS_PER_DAY} ideas a day: thank you, try again tomorrow.")
    return Idea.objects.create(shop_id=member.shop_id, member=member, text=text, created_at=at)


@atomic_service
def idea_vote(*, member: Member, idea: Idea) -> bool:
    """Vote for the idea, or take the vote back; True when the member's vote is on it now."""
    if idea.shop_id != member.shop_id or idea.hidden:
        raise NotFound("Idea not found.", code="idea_not_found")
    removed, _ = IdeaVote.objects.filter(idea=idea, member=member).delete()
    if removed:
        Idea.objects.filter(pk=idea.pk).update(votes=F("votes") - 1)
        return False
    try:
        with transaction.atomic():
            IdeaVote.objects.create(idea=idea, member=member)
    except IntegrityError:  # a double click: the vote is there
        return True
    Idea.objects.filter(pk=idea.pk).update(votes=F("votes") + 1)
    return True


@atomic_service
def idea_answer(*, idea: Idea, answer: str, status: str, at: datetime | None = None) -> Idea:
    if status not in IdeaStatus.values:
        raise ValidationFailed(fields={"status": "unknown status"})
    answer = (answer or "").strip()
    if len(answer) > 1000:
        raise ValidationFailed(fields={"answer": "At most 1000 characters."})
    idea.answer, idea.status = answer, status
    idea.answered_at = (at or timezone.now()) if answer else None
    idea.save(update_fields=["answer", "status", "answered_at"])
    return idea


@atomic_service
def idea_hide(*, idea: Idea, hidden: bool) -> Idea:
    idea.hidden = hidden
    idea.save(update_fields=["hidden"])
    return idea
