from celery import shared_task

from .services.campaigns import campaign_send


@shared_task(acks_late=True)
def send_campaign(campaign_id: int) -> int:
    """A campaign due now; the `campaigns_sent` job is the safety net for a lost task or a crash."""
    return campaign_send(campaign_id)
