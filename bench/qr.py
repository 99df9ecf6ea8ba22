"""QR rendering and printing: how long one member card's QR code takes, a sheet of cards, the shop's poster.

    python -m bench.qr              # 200 QR codes of each kind, sheets of 10 and 100 cards, 5 posters
    python -m bench.qr --quick      # fewer repetitions

a. qr_svg and qr_png of a card number (what the sheet embeds, what a receipt prints), ms per card;
b. card_sheet_pdf for a batch of 10 and of 100 cards (WeasyPrint, bundled fonts), ms per card and per sheet;
c. poster_pdf and poster_png (the PDF rasterised at 150 dpi by pdfium), ms each.

Runs on the bench database (bench/env.py) in a shop of its own that each run creates. Prints a table and writes
bench/results/qr-latest.md with the machine it ran on.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
SIZES = {
    "full": {"qr": 200, "sheets": [10, 100], "sheet_runs": 3, "posters": 5},
    "quick": {"qr": 30, "sheets": [10, 100], "sheet_runs": 1, "posters": 2},
}


def timed(function, runs: int) -> list[float]:
    """Milliseconds for each of `runs` calls, after one warm-up call (imports, font loading)."""
    function()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def bench_shop():
    """A fresh shop for this run with a program, so reruns never mix their batches."""
    from loyalty.models import Program, Shop

    stamp = datetime.now().strftime("%Y%m%d%H%M%S%f")
    shop = Shop.objects.create(
        slug=f"qr-bench-{stamp}",
        name="Quán Cà Phê Đức",
        country="VN",
        currency="VND",
        timezone="Asia/Ho_Chi_Minh",
        language="vi",
    )
    Program.objects.create(shop=shop, name="Câu lạc bộ khách quen")
    return shop


def measure(sizes: dict) -> list[dict]:
    from loyalty.qr import qr_png, qr_svg
    from loyalty.services.members import card_number_new
    from loyalty.services.printing import card_batch_print, card_sheet_pdf, poster_pdf, poster_png

    numbers = [card_number_new() for _ in range(sizes["qr"])]
    rows = []
    for name, render in (("qr_svg (card number)", qr_svg), ("qr_png (card number)", qr_png)):
        queue = iter(numbers * 2)
        times = timed(lambda render=render, queue=queue: render(next(queue)), sizes["qr"])
        rows.append(row(name, times, cards=1))
    shop = bench_shop()
    for count in sizes["sheets"]:
        batch = card_batch_print(shop=shop, count=count)
        times = timed(lambda batch=batch: card_sheet_pdf(shop, batch.code), sizes["sheet_runs"])
        rows.append(row(f"card_sheet_pdf, {count} cards", times, cards=count))
    rows.append(row("poster_pdf", timed(lambda: poster_pdf(shop), sizes["posters"]), cards=None))
    rows.append(row("poster_png (150 dpi)", timed(lambda: poster_png(shop), sizes["posters"]), cards=None))
    return rows


def row(name: str, times: list[float], *, cards: int | None) -> dict:
    median = statistics.median(times)
    return {
        "what": name,
        "runs": len(times),
        "median ms": median,
        "min ms": min(times),
        "ms per card": median / cards if cards else None,
    }


def table(rows: list[dict]) -> str:
    lines = ["| what | runs | median ms | min ms | ms per card |", "| --- | ---: | ---: | ---: | ---: |"]
    for r in rows:
        per_card = f"{r['ms per card']:.2f}" if r["ms per card"] is not None else "—"
        lines.append(f"| {r['what']} | {r['runs']} | {r['median ms']:.1f} | {r['min ms']:.1f} | {per_card} |")
    return "\n".join(lines)


def markdown(report: dict) -> str:
    return "\n".join(
        [
            "# QR and printing benchmark",
            "",
            f"Run {report['started']} ({report['mode']} mode, {report['seconds']:.0f} s in all), commit "
            f"{report['commit']}, `python -m bench.qr{' --quick' if report['mode'] == 'quick' else ''}`. "
            "Written by bench/qr.py; its docstring says what each figure is. Medians after one warm-up call.",
            "",
            "## Machine",
            "",
            "| | |",
            "| --- | --- |",
            *[f"| {k} | {v} |" for k, v in report["machine"].items()],
            "",
            "## Figures",
            "",
            table(report["rows"]),
            "",
        ]
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.qr", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--output", default=str(RESULTS / "qr-latest.md"))
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"

    from bench.env import machine, require_bench_database, setup

    started_at = datetime.now().astimezone()
    started = time.perf_counter()
    setup()
    require_bench_database()
    import weasyprint

    from bench.run import git_commit

    report = {"started": started_at.isoformat(timespec="seconds"), "mode": mode, "commit": git_commit()}
    report["machine"] = {**machine(), "weasyprint": weasyprint.__version__}
    report["rows"] = measure(SIZES[mode])
    report["machine"]["load average at the end"] = machine()["load average (1/5/15 min)"]
    report["seconds"] = time.perf_counter() - started
    print(table(report["rows"]))
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(markdown(report))
    print(f"\nbench: wrote {output}")


if __name__ == "__main__":
    main()
