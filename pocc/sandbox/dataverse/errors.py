"""Dataverse's error answers: one exception, the real codes, the real body shape.

Every failure inside the Dataverse sandbox raises `DataverseError`; the blueprint turns
it into `{"error": {"code": "0x...", "message": "..."}}` with its HTTP status.
"""

from __future__ import annotations

# Codes as Dataverse's Web API reports them (hex). See the reference notes, section 3.
OBJECT_DOES_NOT_EXIST = "0x80040217"
DUPLICATE_RECORD = "0x80040237"
DUPLICATE_ENTITY_KEY = "0x80060892"
KEY_RECORD_NOT_FOUND = "0x80060891"
CONCURRENCY_VERSION_MISMATCH = "0x80060882"
PRIVILEGE_DENIED = "0x80040220"
NOT_A_MEMBER_OF_ORGANIZATION = "0x80072560"
PAYLOAD_ERROR = "0x80048d19"
VALIDATION_FAILED = "0x80044331"
QUERY_SYNTAX = "0x8006088a"
UNSUPPORTED_QUERY_OPTION = "0x80060888"
INVALID_ARGUMENT = "0x80040203"
INVALID_FETCHXML = "0x80041103"
REQUESTS_LIMIT = "0x80072322"
EXECUTION_TIME_LIMIT = "0x80072321"
CONCURRENCY_LIMIT = "0x80072326"
UNEXPECTED = "0x80040216"
# "State code or status code is invalid" (2147779592 in the SDK's decimal form).
INVALID_STATE_STATUS = "0x80048408"
CANNOT_DELETE_DUE_TO_ASSOCIATION = "0x80040227"


class DataverseError(Exception):
    """A request the sandbox refuses, answered exactly as Dataverse would."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}


def not_found(table_logical_name: str, record_id: str) -> DataverseError:
    message = f"{table_logical_name} With Id = {record_id} Does Not Exist"
    return DataverseError(404, OBJECT_DOES_NOT_EXIST, message)


def query_syntax(message: str) -> DataverseError:
    return DataverseError(400, QUERY_SYNTAX, message)


def unknown_property(type_name: str, name: str) -> DataverseError:
    """A query option names a property the type lacks.

    Dataverse answers 0x80060888 here (the OData layer's code), not the 0x8006088a
    of a syntax error: clients' recorded answers agree on it.
    """
    message = (
        f"Could not find a property named '{name}' on type "
        f"'Microsoft.Dynamics.CRM.{type_name}'."
    )
    return DataverseError(400, UNSUPPORTED_QUERY_OPTION, message)


def privilege_denied(
    user_id: str,
    privilege: str,
    *,
    privilege_id: str | None = None,
    object_type_code: int | None = None,
    table_logical_name: str | None = None,
    role_count: int = 1,
) -> DataverseError:
    """Dataverse's refusal, naming the missing privilege (and its table when known)."""
    message = (
        f"Principal user (Id={user_id}, type=8, roleCount={role_count}) is missing "
        f"{privilege} privilege"
    )

    if privilege_id is not None:
        message += f" (Id={privilege_id})"

    if table_logical_name is not None:
        message += f" on OTC={object_type_code or 0} for entity '{table_logical_name}'"

    if privilege_id is not None or table_logical_name is not None:
        message += (
            f". context.Caller={user_id}. Consider adding missed privilege to one of "
            "the principal (user/team) roles"
        )

    return DataverseError(403, PRIVILEGE_DENIED, message + ".")


def not_a_member() -> DataverseError:
    message = "The user is not a member of the organization."
    return DataverseError(403, NOT_A_MEMBER_OF_ORGANIZATION, message)


def resource_not_found(segment: str) -> DataverseError:
    message = f"Resource not found for the segment '{segment}'."
    return DataverseError(404, QUERY_SYNTAX, message)


def payload(message: str) -> DataverseError:
    """A request body the OData layer cannot read (unknown property, wrong type)."""
    return DataverseError(400, PAYLOAD_ERROR, message)


def undeclared_property(table_logical_name: str, name: str) -> DataverseError:
    return payload(
        f"The property '{name}' does not exist on type "
        f"'Microsoft.Dynamics.CRM.{table_logical_name}'. Make sure to only use "
        "property names that are defined by the type or mark the type as open type."
    )


def undeclared_navigation(name: str) -> DataverseError:
    return payload(
        f"An undeclared property '{name}' which only has property annotations in the "
        "payload but no property value was found in the payload. In OData, only "
        "declared navigation properties and declared named streams can be represented "
        "as properties without values."
    )


def wrong_type(value: object, edm_type: str) -> DataverseError:
    return payload(
        f"Cannot convert the literal '{value}' to the expected type '{edm_type}'."
    )


def validation(message: str) -> DataverseError:
    return DataverseError(
        400, VALIDATION_FAILED, f"A validation error occurred.  {message}"
    )


def required_missing(table_logical_name: str, column: str) -> DataverseError:
    """A create without a value for a SystemRequired column."""
    message = (
        f"Required field '{column}' is missing for the '{table_logical_name}' "
        "record being created."
    )
    return DataverseError(400, INVALID_ARGUMENT, message)


def duplicate_key(attribute_names: str, key_name: str) -> DataverseError:
    message = (
        f"A record that has the attribute values {attribute_names} already exists. "
        f"The entity key {key_name} requires that this set of attributes contains "
        "unique values. Select unique values and try again."
    )
    return DataverseError(412, DUPLICATE_ENTITY_KEY, message)


def duplicate_record() -> DataverseError:
    return DataverseError(412, DUPLICATE_RECORD, "Cannot insert duplicate key.")


def already_exists() -> DataverseError:
    message = "A record with matching key values already exists."
    return DataverseError(412, DUPLICATE_RECORD, message)


def version_mismatch() -> DataverseError:
    message = (
        "The version of the existing record doesn't match the RowVersion property "
        "provided."
    )
    return DataverseError(412, CONCURRENCY_VERSION_MISMATCH, message)


def invalid_status(
    status: int, state_name: str, table: str, record_id: str
) -> DataverseError:
    message = (
        f"{status} is not a valid status code for state code {state_name} on {table} "
        f"with Id {record_id}."
    )
    return DataverseError(400, INVALID_STATE_STATUS, message)


def bad_request(message: str, code: str = INVALID_ARGUMENT) -> DataverseError:
    return DataverseError(400, code, message)


def method_not_allowed(message: str) -> DataverseError:
    return DataverseError(405, UNEXPECTED, message)
