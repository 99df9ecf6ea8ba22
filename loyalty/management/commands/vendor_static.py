"""Copy the browser builds of the front-end packages that npm installed (package.json) into static/vendor/.

`make install` runs it after `npm install` where Node is present. The pages never load these from a CDN, and
they work without them: the counter's camera button appears only when the QR scanning library was copied."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# package → (files copied from the package's folder, folder under static/vendor/)
VENDORED = {
    "qr-scanner": (("qr-scanner.umd.min.js", "qr-scanner-worker.min.js", "LICENSE"), "qr-scanner"),
}


class Command(BaseCommand):
    help = "Copy front-end libraries installed by npm from node_modules/ into static/vendor/."

    def add_arguments(self, parser):
        parser.add_argument("--node-modules", default=str(Path(settings.BASE_DIR) / "node_modules"))
        parser.add_argument("--target", default=str(Path(settings.BASE_DIR) / "static" / "vendor"))

    def handle(self, *args, node_modules: str, target: str, **options):
        node_modules, target = Path(node_modules), Path(target)
        for package, (files, folder) in VENDORED.items():
            source = node_modules / package
            if not source.is_dir():
                raise CommandError(f"{source} is missing: run `npm install` first (make install does).")
            version = json.loads((source / "package.json").read_text())["version"]
            destination = target / folder
            destination.mkdir(parents=True, exist_ok=True)
            for name in files:
                if not (source / name).is_file():
                    raise CommandError(f"{package} {version} has no {name}; check VENDORED in this command.")
                shutil.copy2(source / name, destination / name)
            (destination / "VERSION").write_text(f"{package} {version}\n")
            self.stdout.write(f"{package} {version} → {destination.relative_to(target.parent)}")
