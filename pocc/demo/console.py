"""What the demo prints: steps, lines and small tables for a person reading along."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

logger = logging.getLogger(__name__)

INDENT = "  "


def say(text: str = "", level: int = 0) -> None:
    """Demo output is for a person reading along, not a log line."""
    print(f"{INDENT * level}{text}", flush=True)


def step(number: int, title: str) -> None:
    say()
    say(f"[{number}] {title}")


def table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], level: int = 1
) -> None:
    """Rows under their headers, columns padded to their widest cell."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [
        max([len(header), *(len(row[index]) for row in cells)])
        for index, header in enumerate(headers)
    ]
    say(_line(headers, widths), level)
    say(_line(["-" * width for width in widths], widths), level)

    for row in cells:
        say(_line(row, widths), level)


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(
        cell.ljust(width) for cell, width in zip(cells, widths, strict=True)
    ).rstrip()


def log_to_file(path: Path) -> None:
    """This process's log lines go to a file: the terminal tells the story."""
    root = logging.getLogger()
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )

    for existing in list(root.handlers):
        root.removeHandler(existing)

    root.addHandler(handler)


def count(number: int | None) -> str:
    return "-" if number is None else f"{number:,}"
