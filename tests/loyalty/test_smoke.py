from tests.factories import enrol


def test_a_new_member_has_a_card_and_no_points(shop):
    member = enrol(shop)
    assert member.cards.get().number
    assert member.account.points_balance == 0
