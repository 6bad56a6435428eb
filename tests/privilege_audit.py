"""A pytest plugin: pocc's application user role grants nothing pocc does not use.

Every sandbox notes the privileges its checks granted, per application, in
`dataverse/privileges-used.jsonl` (see `pocc/sandbox/dataverse/privilege_ledger.py`).
After a complete, passing run of the whole suite, which drives every job kind and the
proxy as pocc's own application, the privileges pocc's application exercised across
all sandboxes must cover every privilege the *PowerConstantContact AppUser* role
grants. A privilege granted but never used fails the run, named. Partial runs (a
folder, `-k`, `-x`, a failure) prove nothing either way and are not judged.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from defusedxml import ElementTree

PROJECT_ROOT = Path(__file__).resolve().parent.parent
APP_USER_ROLE = PROJECT_ROOT / "solution" / "Roles" / "PowerConstantContact AppUser.xml"
LEDGER = "privileges-used.jsonl"
POCC_APPLICATION = "pocc"


@pytest.fixture(scope="session", autouse=True)
def privilege_audit(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    yield

    session = request.session

    if session.testsfailed or not _whole_suite(session.config):
        return

    used = privileges_used_by_pocc(tmp_path_factory.getbasetemp())
    unused = sorted(granted_privileges() - used)

    if unused:
        pytest.fail(
            "The PowerConstantContact AppUser role grants privileges pocc never used "
            f"in the whole run: {', '.join(unused)}. Remove them from the role (and "
            "tests/solution/test_roles.py, docs/security.md), or add the test that "
            "exercises them.",
            pytrace=False,
        )


def _whole_suite(config: pytest.Config) -> bool:
    # Options that narrow a run; some exist only when their plugin is loaded.
    narrowing = ("keyword", "markexpr", "deselect", "maxfail", "lf", "failedfirst")
    narrowed = any(getattr(config.option, name, None) for name in narrowing)
    arguments = [argument.rstrip("/") for argument in config.args]
    return not narrowed and arguments in ([], ["tests"], [str(PROJECT_ROOT / "tests")])


def privileges_used_by_pocc(base: Path) -> set[str]:
    """Privileges pocc's application used in any sandbox whose data is under `base`."""
    used: set[str] = set()

    for ledger in base.rglob(LEDGER):
        data_dir = ledger.parent.parent
        pocc_ids = _pocc_application_ids(data_dir)

        for line in ledger.read_text().splitlines():
            entry = json.loads(line)

            if entry["app_id"] in pocc_ids:
                used.add(entry["privilege"])

    return used


def _pocc_application_ids(data_dir: Path) -> set[str]:
    registry = data_dir / "identity" / "registry.json"

    if not registry.exists():
        return set()

    applications = json.loads(registry.read_text()).get("applications", {})
    pocc = applications.get(POCC_APPLICATION)
    return {pocc["client_id"]} if pocc else set()


def granted_privileges() -> set[str]:
    role = ElementTree.parse(APP_USER_ROLE).getroot()
    return {privilege.get("name") for privilege in role.iter("RolePrivilege")}
