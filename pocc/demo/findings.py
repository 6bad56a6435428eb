"""What the demo's cross-checks found: each figure D365 shows, agreed or not.

Every check compares a figure the demo printed from D365 with the same figure read
straight from the Constant Contact account (or from what the seeder planted), and
the demo's exit status says whether all of them agreed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from pocc.demo.console import say

logger = logging.getLogger(__name__)


@dataclass
class Findings:
    agreed: list[str] = field(default_factory=list)
    disagreed: list[str] = field(default_factory=list)

    def check(
        self, what: str, shown: Any, held: Any, source: str = "Constant Contact"
    ) -> None:
        """`shown` is what D365 shows; `held` what `source` holds."""
        if shown == held:
            self.agreed.append(f"{what}: {held}")
        else:
            self.disagreed.append(f"{what}: D365 shows {shown}, {source} {held}")

    def extend(self, other: Findings) -> None:
        self.agreed.extend(other.agreed)
        self.disagreed.extend(other.disagreed)

    @property
    def ok(self) -> bool:
        return not self.disagreed


def report(findings: Findings) -> None:
    for line in findings.agreed:
        say(f"agrees  {line}", 1)

    for line in findings.disagreed:
        say(f"DIFFERS {line}", 1)

    if findings.ok:
        say(
            f"All {len(findings.agreed)} figures the demo printed agree with the "
            "Constant Contact account (and the seeded organisation).",
            1,
        )
    else:
        say(f"{len(findings.disagreed)} figures disagree: see above.", 1)
