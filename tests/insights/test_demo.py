"""The demo café has its segments scored and a sent campaign with a holdout, and a second run adds nothing."""

from django.core.management import call_command

from insights.models import Campaign, CampaignMember, CampaignStatus, Group, RfmScore, Segment


def test_the_demo_has_segments_and_a_sent_campaign_with_a_holdout(db):
    call_command("demo")
    campaign = Campaign.objects.get(shop__slug="demo-cafe")
    assert campaign.status == CampaignStatus.SENT
    assert CampaignMember.objects.filter(campaign=campaign, group=Group.TARGET).exists()
    assert RfmScore.objects.filter(shop__slug="demo-cafe").exists()
    counts = [model.objects.count() for model in (Campaign, Segment, CampaignMember)]
    call_command("demo")
    assert [model.objects.count() for model in (Campaign, Segment, CampaignMember)] == counts
