"""Every operation the sandbox implements is an operation of the spec, and had its
answers checked against the spec during the test session.

The sandbox lists what it implements at `GET /_sandbox/constantcontact/operations`.
The coverage test runs after every other test (see the `spec_coverage` marker in
conftest.py) and judges only a whole run of this folder: when a subset was selected,
it skips and says so, since a partial run proves nothing either way.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sandbox.constantcontact.spec import Contract, UnknownOperationError
from tests.sandbox.constantcontact.spec_conformance import (
    DESELECTED_TESTS,
    ContractLedger,
)

HERE = Path(__file__).parent


def test_every_implemented_operation_is_an_operation_of_the_spec(
    cc_operations: list[dict[str, str]], contract: Contract
) -> None:
    strangers = []
    wrong_scopes = []

    for implemented in cc_operations:
        try:
            operation = contract.operation(implemented["method"], implemented["path"])
        except UnknownOperationError:
            strangers.append(f"{implemented['method']} {implemented['path']}")
            continue

        if implemented["scope"] not in operation.scopes:
            wrong_scopes.append(
                f"{operation.key}: sandbox asks {implemented['scope']!r}, "
                f"spec asks one of {sorted(operation.scopes)}"
            )

    assert not strangers, "operations the spec does not have:\n" + "\n".join(strangers)
    assert not wrong_scopes, "scopes unlike the spec's:\n" + "\n".join(wrong_scopes)


@pytest.mark.spec_coverage
def test_every_implemented_operation_had_a_success_checked_against_the_spec(
    request: pytest.FixtureRequest,
    cc_operations: list[dict[str, str]],
    contract_ledger: ContractLedger,
) -> None:
    reason = partial_run_reason(request.session)

    if reason:
        pytest.skip(reason)

    unchecked = []

    for implemented in cc_operations:
        key = f"{implemented['method']} {implemented['path']}"

        if not contract_ledger.success_checked(key):
            seen = sorted(contract_ledger.statuses(key)) or "no answer at all"
            unchecked.append(f"  {key} (checked: {seen})")

    assert not unchecked, (
        "implemented operations whose success answers were never checked against "
        "the spec (call them through the cc_api fixture):\n" + "\n".join(unchecked)
    )


def partial_run_reason(session: pytest.Session) -> str | None:
    """Why this session is not a whole run of this folder, or None when it is."""
    collected = {Path(str(item.path)).name for item in session.items}
    missing = sorted(p.name for p in HERE.glob("test_*.py") if p.name not in collected)

    if missing:
        return f"coverage needs the whole folder; not collected: {', '.join(missing)}"

    deselected = session.config.stash.get(DESELECTED_TESTS, 0)

    if deselected:
        return f"coverage needs the whole folder; {deselected} tests were deselected"

    return None
