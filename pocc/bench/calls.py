"""Requests the sandbox served, read from its own request log, by service and kind.

The sandbox logs one line per request (`GET /dataverse/contoso/... -> 200`) at debug
level. Counting there, rather than inside pocc, counts what actually reached the
services, retries included, without touching the code being measured.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from pathlib import Path

logger = logging.getLogger(__name__)

REQUEST_LINE = re.compile(
    r"pocc\.sandbox\.server: (?P<method>[A-Z]+) (?P<path>\S+) -> (?P<status>\S+)"
)
ACTIVITY = re.compile(r"^/activities/[^/]+$")
MEMBERS = re.compile(r"/lists\([^)]*\)/list(contact|lead|account)_association$")
DYNAMIC_MEMBERS = re.compile(r"/(contacts|leads|accounts)\?.*fetchXml=")
TRACKING = re.compile(r"^/reports/email_reports/[^/]+/tracking/[a-z_]+$")
SEND_RECIPIENTS = re.compile(r"/pocc_sendrecipients$")
# The runner's claim, heartbeats, checkpoints and leases, and the token store's
# reads: each an ETag-guarded read and write of the job or configuration row.
BOOKKEEPING = re.compile(r"/(pocc_jobs|pocc_configurations)\b")
BOOKKEEPING_KIND = "job, lease and token rows"
NOT_WORK = (BOOKKEEPING_KIND, ": token", ": tenant discovery")


def log_offset(log_file: Path) -> int:
    return log_file.stat().st_size if log_file.exists() else 0


def requests_between(log_file: Path, start: int, end: int) -> Counter[str]:
    """Requests logged between two offsets, counted by `service: kind`."""
    with log_file.open("rb") as log:
        log.seek(start)
        text = log.read(end - start).decode("utf-8", errors="replace")

    counts: Counter[str] = Counter()

    for match in REQUEST_LINE.finditer(text):
        counts[classify(match["method"], match["path"])] += 1

    return counts


def classify(method: str, path: str) -> str:
    """`service: kind` for one request; the kinds the bench compares with minimums."""
    if path.startswith("/identity/"):
        return "identity: token"

    if path.startswith("/constantcontact/oauth2/"):
        return "constant contact: token"

    if path.startswith("/constantcontact/v3/"):
        return "constant contact: " + _constant_contact_kind(method, path)

    if path.startswith("/dataverse/"):
        return "dataverse: " + _dataverse_kind(method, path)

    return "other"


def _constant_contact_kind(method: str, path: str) -> str:
    route = path.split("?")[0].removeprefix("/constantcontact/v3")

    if method == "POST" and route == "/activities/contacts_json_import":
        return "import"

    if method == "GET" and ACTIVITY.match(route):
        return "import status"

    if method == "GET" and TRACKING.match(route):
        return "report page"

    return "other"


def _dataverse_kind(method: str, path: str) -> str:
    route = path.split("?")[0]

    if method == "GET" and (MEMBERS.search(route) or DYNAMIC_MEMBERS.search(path)):
        return "member page"

    if method == "GET" and SEND_RECIPIENTS.search(route):
        return "recipient page"

    if method == "POST" and route.endswith("/$batch"):
        return "batch"

    if BOOKKEEPING.search(route):
        return BOOKKEEPING_KIND

    # msal learns the tenant from the Web API root's 401 challenge.
    if route.endswith("/api/data/v9.2/"):
        return "tenant discovery"

    return "other"


def service_total(counts: Counter[str], service: str) -> int:
    return sum(value for key, value in counts.items() if key.startswith(service + ":"))


def work_total(counts: Counter[str], service: str) -> int:
    """The service's requests that move the send's data (no bookkeeping, no tokens)."""
    return sum(
        value
        for key, value in counts.items()
        if key.startswith(service + ":") and not key.endswith(NOT_WORK)
    )
