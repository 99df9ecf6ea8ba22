"""Every task a service queues by name (loyalty.queue) is registered in the web process, not only in a worker that
autodiscovers: otherwise the enqueue after commit fails in the request (or the demo) and the work is never sent.
Fails when an app's AppConfig.ready stops importing its tasks module."""

import re
from pathlib import Path

from loyalty.celery import app

ROOT = Path(__file__).resolve().parent.parent
QUEUED = re.compile(r"enqueue(?:_after_commit)?\(\s*\"([a-z_.]+)\"")


def _queued_names() -> set[str]:
    names = set()
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        names.update(QUEUED.findall(path.read_text(encoding="utf-8")))
    return names


def test_every_task_queued_by_name_is_registered():
    names = _queued_names()
    assert "insights.tasks.send_campaign" in names, "the scan finds the queued names"
    missing = sorted(name for name in names if name not in app.tasks)
    assert not missing, f"queued by name but not registered: {missing}"
