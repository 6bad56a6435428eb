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


def unknown_property(table_logical_name: str, name: str) -> DataverseError:
    message = (
        f"Could not find a property named '{name}' on type "
        f"'Microsoft.Dynamics.CRM.{table_logical_name}'."
    )
    return DataverseError(400, QUERY_SYNTAX, message)


def privilege_denied(user_id: str, privilege: str) -> DataverseError:
    message = (
        f"Principal user (Id={user_id}, type=8, roleCount=1) is missing "
        f"{privilege} privilege."
    )
    return DataverseError(403, PRIVILEGE_DENIED, message)
