"""The budget of the generated API tests (schemathesis): derandomised and small in `make test`, so the suite sends
the same requests each run; `make fuzz` sets FUZZ_EXAMPLES for a larger budget with a new seed each run."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

RANDOM = "FUZZ_EXAMPLES" in os.environ


def budget(default: int, **extra) -> settings:
    examples = int(os.environ.get("FUZZ_EXAMPLES") or default)
    return settings(
        max_examples=examples,
        derandomize=not RANDOM,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        **extra,
    )
