"""The in-process results as a chart: a panel per scenario, a bar per framework.

Each panel has its own scale (plaintext responses ten times as many requests as GraphQL), so
the bars compare the frameworks within a scenario, as the table's ratios do; resourceful's
bar is the dark one. The raw ASGI floor is left out: it is no framework, and its bar would
flatten the others (its ratio is in the table). matplotlib is a dependency of the bench
environment only.
"""

from __future__ import annotations

import math
from pathlib import Path

from benchmarks.apps import FRAMEWORKS

OURS = "#1f3a5f"
PEER = "#a9b8c9"
COLUMNS = 4


def draw(results: dict[str, dict[str, float]], path: Path, title: str) -> None:
    """Draw ``results`` (requests per second by scenario and framework) into ``path`` (SVG)."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    scenarios = list(results)
    rows = math.ceil(len(scenarios) / COLUMNS)
    figure, axes = plt.subplots(rows, COLUMNS, figsize=(COLUMNS * 3.4, rows * 2.4), squeeze=False)
    for axis in axes.flat[len(scenarios) :]:
        axis.set_visible(False)
    for axis, scenario in zip(axes.flat, scenarios, strict=False):
        row = results[scenario]
        names = [name for name in FRAMEWORKS if name in row and name != "raw"]
        rates = [row[name] for name in names]
        colours = [OURS if name == "resourceful" else PEER for name in names]
        positions = range(len(names))
        axis.barh(positions, rates, color=colours)
        axis.set_yticks(list(positions), names, fontsize=8)
        axis.invert_yaxis()  # resourceful first, at the top
        axis.set_title(scenario, fontsize=10, loc="left")
        axis.set_xlim(0, max(rates) * 1.3)
        axis.tick_params(axis="x", labelsize=7)
        axis.xaxis.set_major_formatter(lambda value, _: f"{value / 1000:,.0f}k")
        for position, rate in zip(positions, rates, strict=True):
            axis.text(rate, position, f" {rate / 1000:,.1f}k", va="center", fontsize=7)
        for side in ("top", "right"):
            axis.spines[side].set_visible(False)
    figure.suptitle(title, fontsize=11)
    figure.supxlabel("requests per second, in process (longer is faster)", fontsize=9)
    figure.tight_layout()
    # No creation date in the file: the same results draw the same SVG.
    figure.savefig(path, format="svg", metadata={"Date": None})
    plt.close(figure)
