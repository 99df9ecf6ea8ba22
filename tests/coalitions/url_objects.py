"""The coalitions app's URL arguments for the portal's tenant-isolation walk (tests/portal/test_tenant_isolation.py).
The coalition's page (c/) is public by design and names its coalition by code; tests/coalitions/test_pages.py
covers it."""

from __future__ import annotations

SKIPPED_PREFIXES = ("c/",)
OBJECTS: dict = {}
