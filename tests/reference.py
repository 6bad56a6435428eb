"""Where tests find third-party reference material (XSDs, the Constant Contact spec).

The material is not the project's to ship, so it is read from `POCC_REFERENCE_DIR`
(default `../shared/reference` beside the checkout). Where it is missing, tests that
need it are skipped with a message that names it; with `POCC_REFERENCE_REQUIRED=1`
(as `.ci/run` sets) they fail instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REFERENCE_DIR = PROJECT_ROOT.parent / "shared" / "reference"


def reference_dir() -> Path:
    return Path(os.environ.get("POCC_REFERENCE_DIR", DEFAULT_REFERENCE_DIR))


def reference_path(relative: str) -> Path:
    """One reference file's path; skips (or fails, if required) when it is missing."""
    path = reference_dir() / relative

    if path.exists():
        return path

    message = (
        f"reference material {relative!r} not found in {reference_dir()} "
        "(set POCC_REFERENCE_DIR to the folder that holds it)"
    )

    if os.environ.get("POCC_REFERENCE_REQUIRED") == "1":
        pytest.fail(message)

    pytest.skip(message)
