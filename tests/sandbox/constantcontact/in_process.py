"""A Constant Contact sandbox service built in-process, for tests that must make a
failure land at an exact point (a crash between two writes), which a separate
process cannot be made to do on cue. Everything else tests the real HTTPS server."""

from __future__ import annotations

from pathlib import Path

from pocc.sandbox.constantcontact import (
    activities_queue,
    contact_records,
    seed,
    sending,
)
from pocc.sandbox.constantcontact.service import ConstantContactService, build_service
from pocc.sandbox.context import SandboxClock, SandboxContext


def seeded_service(folder: Path) -> ConstantContactService:
    """A freshly seeded account whose background loop is not running."""
    context = SandboxContext(
        data_dir=folder,
        base_url="https://localhost:1",
        clock=SandboxClock(folder / "clock.json"),
    )
    service = build_service(context)
    contact_records.ensure_tables(service.store)
    activities_queue.ensure_tables(service)
    sending.install(service)
    seed.seed_account(service)
    return service
