"""Request rules of the email campaign operations, with the spec's limits.

`EmailCampaignComplete` (POST /emails), `EmailCampaignName` (PATCH) and
`EmailCampaignActivity` (PUT /emails/activities/{id}): required fields, types and
maximum lengths as the spec declares them; sender addresses must be CONFIRMED
account addresses; recipients are contact lists or one segment, never both.
"""

from __future__ import annotations

from typing import Any

from .errors import InvalidRequestError

ERROR_KEY = "email.api.validation.error"

# Fields a client may write on an activity, with their maximum lengths (None: none).
ACTIVITY_TEXT_FIELDS = {
    "from_name": 100,
    "from_email": 80,
    "reply_to_email": 80,
    "subject": None,
    "preheader": 200,
    "html_content": 150_000,
}
REQUIRED_ON_CREATE = (
    "format_type",
    "from_email",
    "from_name",
    "html_content",
    "reply_to_email",
    "subject",
)
REQUIRED_ON_UPDATE = ("from_email", "from_name", "reply_to_email", "subject")
ADDRESS_FIELDS = (
    "address_line1",
    "address_line2",
    "address_line3",
    "address_optional",
    "city",
    "country_code",
    "organization_name",
    "postal_code",
    "state_code",
    "state_non_us_name",
)
# Sub-resources a PUT keeps when the request leaves them out (spec, PUT text).
KEPT_SUBRESOURCES = (
    "physical_address_in_footer",
    "document_properties",
    "html_content",
    "permalink_url",
)
SEGMENT_FORMAT_TYPES = frozenset({3, 4, 5})
# Fields the spec marks readOnly on an activity: a PUT may echo them back (they are
# then ignored), but a value of the wrong type still breaks the request schema.
READ_ONLY_TEXT_FIELDS = (
    "campaign_activity_id",
    "campaign_id",
    "role",
    "current_status",
    "template_id",
    "permalink_url",
)


def fail(message: str) -> InvalidRequestError:
    return InvalidRequestError(ERROR_KEY, message)


def campaign_name(body: Any) -> str:
    if not isinstance(body, dict):
        raise fail("The request body must be a JSON object.")

    name = body.get("name")

    if not isinstance(name, str) or not name.strip():
        raise fail("name is required.")

    if len(name) > 80:
        raise fail("name must be 80 characters or fewer.")

    return name


def new_campaign(body: Any, confirmed: set[str]) -> tuple[str, dict[str, Any]]:
    """The name and the activity fields of a POST /emails body."""
    name = campaign_name(body)
    activities = body.get("email_campaign_activities")

    if not isinstance(activities, list) or len(activities) != 1:
        raise fail("email_campaign_activities must hold exactly one activity.")

    activity = activities[0]

    if not isinstance(activity, dict):
        raise fail("email_campaign_activities[0] must be an object.")

    _require(activity, REQUIRED_ON_CREATE, "email_campaign_activities[0].")
    format_type = activity["format_type"]

    if isinstance(format_type, bool) or not isinstance(format_type, int):
        raise fail("format_type must be an integer.")

    if not 1 <= format_type <= 5:
        raise fail("format_type must be between 1 and 5.")

    fields = activity_fields(activity, confirmed)
    # Legacy formats are converted to custom code (format 5) on creation.
    fields["format_type"] = 5
    return name, fields


def activity_update(
    body: Any, current: dict[str, Any], confirmed: set[str]
) -> dict[str, Any]:
    """The activity after a PUT: the body's fields; omitted sub-resources kept."""
    if not isinstance(body, dict):
        raise fail("The request body must be a JSON object.")

    _require(body, REQUIRED_ON_UPDATE, "")
    _check_read_only_types(body)
    fields = activity_fields(body, confirmed)
    list_ids, segment_ids = _recipients(body, current["format_type"])
    updated = {
        key: value
        for key, value in current.items()
        if key not in ACTIVITY_TEXT_FIELDS or key in KEPT_SUBRESOURCES
    }
    updated.update(fields)
    updated["contact_list_ids"] = list_ids
    updated["segment_ids"] = segment_ids
    return updated


def activity_fields(activity: dict[str, Any], confirmed: set[str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}

    for name, max_length in ACTIVITY_TEXT_FIELDS.items():
        if name not in activity:
            continue

        value = activity[name]

        if not isinstance(value, str):
            raise fail(f"{name} must be a string.")

        if max_length is not None and len(value) > max_length:
            raise fail(f"{name} must be {max_length} characters or fewer.")

        fields[name] = value

    for name in ("from_email", "reply_to_email"):
        if name in fields and fields[name].lower() not in confirmed:
            raise fail(
                f"{name} must be a confirmed email address of the account "
                "(see GET /account/emails)."
            )

    if "physical_address_in_footer" in activity:
        address = activity["physical_address_in_footer"]
        fields["physical_address_in_footer"] = physical_address(address)

    if "document_properties" in activity:
        if not isinstance(activity["document_properties"], dict):
            raise fail("document_properties must be an object.")

        fields["document_properties"] = activity["document_properties"]

    return fields


def physical_address(address: Any) -> dict[str, str]:
    if not isinstance(address, dict):
        raise fail("physical_address_in_footer must be an object.")

    for name in ("address_line1", "country_code", "organization_name"):
        if not isinstance(address.get(name), str) or not address[name].strip():
            raise fail(f"physical_address_in_footer.{name} is required.")

    for name in ADDRESS_FIELDS:
        if name in address and not isinstance(address[name], str):
            raise fail(f"physical_address_in_footer.{name} must be a string.")

    if address["country_code"] == "US" and not address.get("state_code"):
        raise fail("physical_address_in_footer.state_code is required in the US.")

    return {name: address[name] for name in ADDRESS_FIELDS if name in address}


def _check_read_only_types(body: dict[str, Any]) -> None:
    format_type = body.get("format_type")

    if "format_type" in body and (
        isinstance(format_type, bool) or not isinstance(format_type, int)
    ):
        raise fail("format_type must be an integer.")

    for name in READ_ONLY_TEXT_FIELDS:
        if name in body and not isinstance(body[name], str):
            raise fail(f"{name} must be a string.")


def _recipients(body: dict[str, Any], format_type: int) -> tuple[list[str], list[int]]:
    list_ids = body.get("contact_list_ids") or []
    segment_ids = body.get("segment_ids") or []

    if not isinstance(list_ids, list) or not all(isinstance(i, str) for i in list_ids):
        raise fail("contact_list_ids must be an array of list ids.")

    if not isinstance(segment_ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in segment_ids
    ):
        raise fail("segment_ids must be an array of integers.")

    if list_ids and segment_ids:
        raise fail("Use contact_list_ids or segment_ids, not both.")

    if len(segment_ids) > 1:
        raise fail("segment_ids may hold only one segment.")

    if segment_ids and format_type not in SEGMENT_FORMAT_TYPES:
        raise fail("Only format_type 3, 4 and 5 activities can use a segment.")

    return list(dict.fromkeys(list_ids)), segment_ids


def _require(body: dict[str, Any], names: tuple[str, ...], prefix: str) -> None:
    missing = [name for name in names if body.get(name) in (None, "")]

    if missing:
        raise fail(f"{prefix}{missing[0]} is required.")
