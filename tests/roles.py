"""Who may use each portal and counter page: the declared table the role walk (tests/test_role_walk.py) checks
every such URL pattern against. A page missing here fails the walk, so a new page must say who it is for.

DESIGN.md: owner > manager > cashier; cashiers cannot change configuration or adjust points. Cashiers use the
counter and may look up, enrol and serve members in the portal; managers run the program (rules, rewards,
campaigns, partners, memberships, printing, locations); owners hold the keys (shop settings, staff, API keys,
webhooks, erasure, the marketing cap, decisions that pay or refuse someone)."""

SIGNED_IN = "signed_in"  # any signed-in person, staff of a shop or not (choosing or creating a shop)
CASHIER, MANAGER, OWNER = "cashier", "manager", "owner"

# Route name -> least role that may use it (GET and POST alike; a page that serves one answers 405 to the other).
LEAST_ROLE = {
    # The portal: shop and staff.
    "portal:home": CASHIER,
    "portal:onboarding": SIGNED_IN,
    "portal:shop_switch": SIGNED_IN,
    "portal:settings": OWNER,
    "portal:staff": MANAGER,
    "portal:staff_invite": OWNER,
    "portal:staff_role": OWNER,
    "portal:staff_remove": OWNER,
    "portal:invitation_revoke": OWNER,
    "portal:locations": MANAGER,
    "portal:location_edit": MANAGER,
    # The program and its rewards.
    "portal:program": MANAGER,
    "portal:program_export": MANAGER,
    "portal:program_import": MANAGER,
    "portal:program_template": MANAGER,
    "portal:rewards": MANAGER,
    "portal:reward_new": MANAGER,
    "portal:reward_edit": MANAGER,
    "portal:reward_move": MANAGER,
    "portal:reward_active": MANAGER,
    "portal:quick_items": MANAGER,
    "portal:quick_item_edit": MANAGER,
    "portal:quick_item_move": MANAGER,
    "portal:quick_item_active": MANAGER,
    # Members: a cashier serves them (looks up, enrols, records consent, attaches or blocks a card); changing
    # their details or points, exporting and erasing their data are above a cashier.
    "portal:members": CASHIER,
    "portal:member_add": CASHIER,
    "portal:member": CASHIER,
    "portal:member_consent": CASHIER,
    "portal:member_card_attach": CASHIER,
    "portal:member_card_block": CASHIER,
    "portal:member_details": MANAGER,
    "portal:member_adjust": MANAGER,
    "portal:member_data_export": MANAGER,
    "portal:member_data_erase": OWNER,
    # Printing, messages, integrations.
    "portal:print": MANAGER,
    "portal:print_cards": MANAGER,
    "portal:print_card_sheet": MANAGER,
    "portal:print_poster_pdf": MANAGER,
    "portal:print_poster_png": MANAGER,
    "portal:messages": MANAGER,
    "portal:marketing_cap": OWNER,
    "portal:api_keys": OWNER,
    "portal:api_key_create": OWNER,
    "portal:api_key_revoke": OWNER,
    "portal:webhooks": OWNER,
    "portal:webhook": OWNER,
    "portal:webhook_secret": OWNER,
    "portal:webhook_disable": OWNER,
    "portal:webhook_resend": OWNER,
    # The counter: every page is a cashier's. Adjusting points there needs a manager's PIN, cancelling a
    # membership or refunding a pack a manager acting at the tablet (tests/memberships and tests/counter check those).
    "counter:home": CASHIER,
    "counter:scan": CASHIER,
    "counter:enrol": CASHIER,
    "counter:phone_check": CASHIER,
    "counter:undo": CASHIER,
    "counter:receipt_find": CASHIER,
    "counter:staff": CASHIER,
    "counter:staff_switch": CASHIER,
    "counter:pin_set": CASHIER,
    "counter:location": CASHIER,
    "counter:member": CASHIER,
    "counter:purchase": CASHIER,
    "counter:redeem": CASHIER,
    "counter:adjust": CASHIER,
    "counter:history": CASHIER,
    "counter:purchase_detail": CASHIER,
    "counter:refund": CASHIER,
    "counter:voucher": CASHIER,
    "counter:voucher_use": CASHIER,
    "counter:voucher_qr": CASHIER,
    "memberships:counter_sell": CASHIER,
    "memberships:counter_trial": CASHIER,
    "memberships:counter_confirm": CASHIER,
    "memberships:counter_pack_sell": CASHIER,
    "memberships:counter_pack_use": CASHIER,
    "memberships:counter_allowance_use": CASHIER,
    "memberships:counter_cancel": CASHIER,
    "memberships:counter_pack_refund": CASHIER,
    # Partners: managers run the program; approving or rejecting an applicant is the owner's decision.
    "partners:partners": MANAGER,
    "partners:partner_new": MANAGER,
    "partners:partner": MANAGER,
    "partners:partner_edit": MANAGER,
    "partners:partner_active": MANAGER,
    "partners:plans": MANAGER,
    "partners:plan_edit": MANAGER,
    "partners:applications": MANAGER,
    "partners:application_approve": OWNER,
    "partners:application_reject": OWNER,
    "partners:commissions": MANAGER,
    "partners:payouts": MANAGER,
    "partners:payout_new": MANAGER,
    "partners:payout": MANAGER,
    "partners:payout_qr": MANAGER,
    "partners:payout_paid": MANAGER,
    "partners:payout_store_credit": MANAGER,
    # Referrals: clearing or rejecting a held referral and the program's settings are the owner's.
    "referrals:referrals": MANAGER,
    "referrals:review": MANAGER,
    "referrals:review_clear": OWNER,
    "referrals:review_reject": OWNER,
    "referrals:funnel": MANAGER,
    "referrals:settings": OWNER,
    # Memberships' plans.
    "memberships:plans": MANAGER,
    "memberships:plan_new": MANAGER,
    "memberships:plan": MANAGER,
    "memberships:plan_edit": MANAGER,
    # Challenges, surprises, the community page's ideas.
    "challenges:challenges": MANAGER,
    "challenges:challenge_new": MANAGER,
    "challenges:challenge_edit": MANAGER,
    "challenges:challenge_active": MANAGER,
    "challenges:community_settings": MANAGER,
    "challenges:surprise_active": MANAGER,
    "challenges:ideas": MANAGER,
    "challenges:idea_moderate": MANAGER,
}

# Pages under portal/ or counter/ whose visitor is not a shop's staff, and who walks them instead.
NOT_STAFF_PAGES = {
    # The invitation link is the invitee's (any signed-in person holding the token); tests/portal/test_invitations.py.
    "portal:invitation": "the invitee's link",
}
