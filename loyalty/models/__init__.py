from .api_keys import ApiKey, IdempotencyRecord
from .ledger import Allocation, EntryKind, LedgerEntry, WalletEntry
from .members import Account, Card, ConsentChange, ConsentSource, Member, MemberChange, SignInCode, TierChange
from .messages import Channel, Message, MessageKind, MessageStatus
from .programs import Bonus, Campaign, CategoryMultiplier, Program, StampCard, TierLevel
from .purchases import Purchase, PurchaseLine, Refund, StampCompletion, StampEntry, StampProgress
from .shops import Invitation, Location, QuickItem, Role, Shop, StaffMembership
from .webhooks import WEBHOOK_EVENTS, DeliveryStatus, WebhookDelivery, WebhookEndpoint

__all__ = [
    "Account",
    "Allocation",
    "ApiKey",
    "Bonus",
    "Campaign",
    "Card",
    "Channel",
    "ConsentChange",
    "ConsentSource",
    "CategoryMultiplier",
    "EntryKind",
    "IdempotencyRecord",
    "Invitation",
    "LedgerEntry",
    "Location",
    "Member",
    "MemberChange",
    "Message",
    "MessageKind",
    "MessageStatus",
    "Program",
    "Purchase",
    "QuickItem",
    "PurchaseLine",
    "Refund",
    "Role",
    "Shop",
    "SignInCode",
    "StaffMembership",
    "StampCard",
    "StampCompletion",
    "StampEntry",
    "StampProgress",
    "TierChange",
    "TierLevel",
    "WalletEntry",
    "WEBHOOK_EVENTS",
    "DeliveryStatus",
    "WebhookDelivery",
    "WebhookEndpoint",
]
