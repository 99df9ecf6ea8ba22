"""Email the portal sends."""

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from loyalty.models import Invitation


def invitation_email_send(invitation: Invitation, *, accept_url: str) -> None:
    """The invitation, in the shop's language: the invitee has no account yet, so no language of their own."""
    context = {
        "invitation": invitation,
        "shop": invitation.shop,
        "accept_url": accept_url,
        "inviter": invitation.invited_by,
    }
    with translation.override(invitation.shop.language):
        subject = render_to_string("portal/email/invitation_subject.txt", context).strip()
        body = render_to_string("portal/email/invitation_message.txt", context)
    send_mail(subject, body, None, [invitation.email])
