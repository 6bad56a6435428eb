"""`make demo`: start the sandbox and show, as a user would see it, that it answers.

The main job (Synchronize, Send, statistics) is built in later issues; until then the
demo proves the foundation: the sandbox starts on a fresh machine, Microsoft identity
issues a token to pocc's application user through msal, and the organisation's
Dataverse Web API answers with that token.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from pathlib import Path

import msal
import requests

from pocc.sandbox.process import SandboxProcess

logger = logging.getLogger(__name__)

DEFAULT_DATA_DIR = Path(".pocc/demo")
WEB_API_PATH = "/api/data/v9.2/"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--serve",
        action="store_true",
        help="keep the sandbox running after the demo and print its URLs",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help=f"where the demo keeps its state (default: {DEFAULT_DATA_DIR})",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=0,
        help="the sandbox's HTTPS port (default: any free port)",
    )


def run(args: argparse.Namespace) -> int:
    say("Starting the sandbox: Microsoft identity, Dataverse, Constant Contact")
    sandbox = SandboxProcess(args.data / "sandbox", port=args.port)

    with sandbox:
        config = sandbox.config
        session = trusted_session(config["ca_bundle"])

        say(f"Sandbox ready at {sandbox.base_url}")
        show_dataverse(config, session)
        show_constant_contact(config, session)

        if args.serve:
            serve_until_interrupted(sandbox)

    say("Sandbox stopped cleanly. State is kept in " + str(args.data))
    return 0


def trusted_session(ca_bundle: str) -> requests.Session:
    """A session that trusts the sandbox's CA, whatever the environment says."""
    session = requests.Session()

    # requests would let an inherited REQUESTS_CA_BUNDLE override `verify`.
    session.trust_env = False
    session.verify = ca_bundle
    return session


def show_dataverse(config: dict, session: requests.Session) -> None:
    identity = config["identity"]

    for org_name, org in config["orgs"].items():
        say(f"Organisation {org_name}: {org['url']}")
        token = acquire_token(identity, org["url"], session)
        say("  msal got a token for pocc's application user")

        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        api = org["url"] + WEB_API_PATH

        who = session.get(api + "WhoAmI", headers=headers, timeout=30)
        who.raise_for_status()
        say(f"  WhoAmI: user {who.json()['UserId']}")

        tables = session.get(
            api + "EntityDefinitions?$select=LogicalName", headers=headers, timeout=30
        )
        tables.raise_for_status()
        names = sorted(row["LogicalName"] for row in tables.json()["value"])
        pocc_tables = [name for name in names if name.startswith("pocc_")]
        say(f"  {len(names)} tables, of which pocc's own: {', '.join(pocc_tables)}")


def acquire_token(identity: dict, org_url: str, session: requests.Session) -> str:
    application = msal.ConfidentialClientApplication(
        identity["client_id"],
        authority=f"{identity['authority_host']}/{identity['tenant_id']}",
        client_credential=identity["client_secret"],
        instance_discovery=False,
        http_client=session,
    )
    result = application.acquire_token_for_client(scopes=[f"{org_url}/.default"])

    if "access_token" not in result:
        raise RuntimeError(f"identity refused a token: {result.get('error')}")

    return result["access_token"]


def show_constant_contact(config: dict, session: requests.Session) -> None:
    constant_contact = config.get("constantcontact")

    if constant_contact is None:
        say("Constant Contact sandbox: not available in this build")
        return

    say(f"Constant Contact API: {constant_contact['api_url']}")
    say(f"  OAuth2 consent: {constant_contact['auth_url']}/authorize")


def serve_until_interrupted(sandbox: SandboxProcess) -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    say("Serving. Press Ctrl-C to stop.")
    say(f"  sandbox.json: {sandbox.ready_file}")

    try:
        stop.wait()
    except KeyboardInterrupt:
        logger.debug("interrupted by the user")


def say(text: str) -> None:
    """Demo output is for a person reading along, not a log line."""
    print(text, flush=True)
