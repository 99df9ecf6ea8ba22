"""Notifications to members: the gateways that carry a text (email, SMS, Zalo). What is sent, to whom and when
lives in loyalty.services.notifications; SMS sign-in codes use `gateways.sms_send` directly."""
