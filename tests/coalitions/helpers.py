"""Two VND shops in one coalition (worked example 9's terms)."""

from __future__ import annotations

from loyalty.services.config import config_import, document_import
from tests.loyalty.documents import document, program, reward


def two_shops(prefix: str = "c"):
    store = config_import(document(f"{prefix}-store", program("10000"), rewards=[reward("tin", "gift", 600, "500000")]))
    brand = config_import(document(f"{prefix}-brand", program("10000"), rewards=[reward("tin", "gift", 600, "500000")]))
    document_import(
        {
            "coalition": {
                "code": f"{prefix}-club",
                "name": "Club",
                "points_name": "hearts",
                "currency": "VND",
                "settlement_period": "month",
                "members": [
                    {"merchant": store.slug, "cost_per_point": "100", "reimbursement_per_point": "90"},
                    {"merchant": brand.slug, "cost_per_point": "100", "reimbursement_per_point": "90"},
                ],
            }
        }
    )
    return store, brand
