"""A realistic fresh account, made once on the first start and the same every time.

The owner's details, confirmed sender addresses, some lists and custom fields, so
that a client has real work on its first run. Ids come from `uuid5` over fixed names,
so the same sandbox seed gives the same ids. Campaigns are seeded by
`campaign_seed.seed(service)` when that module exists (the second half of the
sandbox owns it).
"""

from __future__ import annotations

import importlib
import logging
import uuid

from . import account
from .service import ConstantContactService
from .timestamps import iso

logger = logging.getLogger(__name__)

STATE_KIND = "sandbox_state"
SEED_NAMESPACE = uuid.UUID("6f1c9a52-3d0e-4b8e-9f7a-52c3e1d0a7b4")

OWNER = {
    "contact_email": "owner@contoso-coffee.example",
    "contact_phone": "6175550100",
    "country_code": "US",
    "encoded_account_id": "a07e1sandbox01",
    "encoded_partner_id": "p07sandbox0001",
    "first_name": "Avery",
    "last_name": "Lindqvist",
    "organization_name": "Contoso Coffee Roasters",
    "organization_phone": "617-555-0100",
    "state_code": "MA",
    "time_zone_id": "US/Eastern",
    "website": "https://contoso-coffee.example",
    "physical_address": {
        "address_line1": "200 Harbor Street",
        "address_line2": "Suite 4",
        "city": "Boston",
        "state_code": "MA",
        "postal_code": "02210",
        "country_code": "US",
    },
    "company_logo": {
        "url": "https://files.contoso-coffee.example/logo.png",
        "external_url": "https://contoso-coffee.example/logo.png",
        "internal_id": "1001",
    },
}

SENDER_ADDRESSES = (
    ("owner@contoso-coffee.example", "CONFIRMED", ["CONTACT", "BILLING"]),
    ("news@contoso-coffee.example", "CONFIRMED", ["REPLY_TO"]),
    ("events@contoso-coffee.example", "CONFIRMED", ["OTHER"]),
    ("marketing@contoso-coffee.example", "UNCONFIRMED", []),
)


def seeded_id(name: str) -> str:
    return str(uuid.uuid5(SEED_NAMESPACE, name))


def seed_account(service: ConstantContactService) -> None:
    """Fill a fresh account; an account seeded before is left as it is."""
    if service.store.get(STATE_KIND, "seeded") is not None:
        return

    with service.store.transaction():
        seed_owner(service)
        seed_contact_data(service)
        seed_campaigns(service)
        service.store.insert(STATE_KIND, "seeded", {"seeded_at": iso(service.now())})

    logger.info("Constant Contact sandbox: seeded a fresh account")


def seed_owner(service: ConstantContactService) -> None:
    now = iso(service.now())
    service.store.insert(account.SUMMARY_KIND, "summary", OWNER)

    for email_id, (address, status, roles) in enumerate(SENDER_ADDRESSES, start=1):
        email = {
            "email_address": address,
            "email_id": email_id,
            "confirm_status": status,
            "roles": roles,
            "pending_roles": [],
        }

        if status == "CONFIRMED":
            email["confirm_time"] = now
            email["confirm_source_type"] = "SITE_OWNER"

        service.store.insert(account.EMAIL_KIND, str(email_id), email)


def seed_contact_data(service: ConstantContactService) -> None:
    """Lists and custom fields (the contact modules own their shapes)."""
    contact_seed = importlib.import_module(f"{__package__}.contact_seed")
    contact_seed.seed(service, seeded_id)


def seed_campaigns(service: ConstantContactService) -> None:
    try:
        campaign_seed = importlib.import_module(f"{__package__}.campaign_seed")
    except ModuleNotFoundError as error:
        if error.name != f"{__package__}.campaign_seed":
            raise

        logger.warning(
            "Constant Contact sandbox: no campaign_seed module; no campaigns"
        )
        return

    campaign_seed.seed(service)
