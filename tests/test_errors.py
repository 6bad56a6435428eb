"""pocc.errors: one hierarchy, classified in one place, messages that can be logged."""

from __future__ import annotations

import json

import pytest

from pocc import errors


def dataverse(status: int, code: str = "", message: str = "m", **headers: str):
    body = json.dumps({"error": {"code": code, "message": message}})
    return errors.dataverse_error(
        status, headers, body, method="PATCH", path="contacts(1)", doing="testing"
    )


@pytest.mark.parametrize(
    ("status", "code", "message", "kind"),
    [
        (404, "0x80040217", "contact With Id = x Does Not Exist", errors.NotFoundError),
        (412, "0x80060882", "The version ... doesn't match", errors.ConflictError),
        (412, "0x80060892", "Entity Key violated", errors.DuplicateKeyError),
        (412, "0x80040237", "Cannot insert duplicate key", errors.DuplicateKeyError),
        (
            412,
            "",
            "A record with matching key values already exists.",
            errors.DuplicateKeyError,
        ),
        (403, "0x80040220", "missing prvReadlist", errors.PermissionDeniedError),
        (429, "0x80072322", "Number of requests exceeded", errors.ThrottledError),
        (503, "", "unavailable", errors.ServiceUnavailableError),
        (401, "", "expired", errors.AuthenticationError),
        (400, "0x8006088a", "syntax", errors.InvalidRequestError),
        (500, "0x80040216", "unexpected", errors.UnexpectedResponseError),
    ],
)
def test_dataverse_answers_are_classified_by_status_and_code(
    status, code, message, kind
):
    error = dataverse(status, code, message)

    assert isinstance(error, kind)
    assert isinstance(error, errors.DataverseError)
    assert isinstance(error, errors.PoccError)
    assert error.status == status
    assert error.code == (code or None)


def test_an_error_carries_request_id_method_path_and_what_to_do():
    error = dataverse(412, "0x80060882", "stale", **{"x-ms-service-request-id": "r-1"})
    text = str(error)

    assert error.request_id == "r-1"
    assert "PATCH contacts(1)" in text
    assert "while testing" in text
    assert "r-1" in text
    assert "read it again" in text


def test_retry_after_is_kept_on_throttling():
    error = dataverse(429, "0x80072322", "slow down", **{"Retry-After": "7"})

    assert isinstance(error, errors.DataverseThrottledError)
    assert error.retry_after == 7


def test_an_email_in_a_path_or_message_is_masked():
    body = json.dumps({"error": {"code": "0x1", "message": "jane.doe+x@example.com"}})
    error = errors.dataverse_error(
        404,
        {},
        body,
        method="GET",
        path="contacts(emailaddress1='jane.doe+x@example.com')",
    )

    assert "jane.doe" not in str(error)
    assert "j***@example.com" in str(error)


def test_a_body_that_is_not_json_still_gives_a_useful_error():
    error = errors.dataverse_error(502, {}, "<html>Bad gateway</html>")

    assert isinstance(error, errors.DataverseUnavailableError)
    assert "Bad gateway" in error.message


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (
            404,
            [{"error_key": "contacts.api.not_found", "error_message": "x"}],
            errors.NotFoundError,
        ),
        (
            409,
            [{"error_key": "contacts.api.conflict", "error_message": "Email exists"}],
            errors.DuplicateKeyError,
        ),
        (
            401,
            {"error_key": "unauthorized", "error_message": "No"},
            errors.AuthenticationError,
        ),
        (
            429,
            {"error_key": "throttled", "error_message": "Too Many"},
            errors.ThrottledError,
        ),
        (
            429,
            {"error_key": "quota_exceeded", "error_message": "Limit Exceeded"},
            errors.QuotaExceededError,
        ),
        (
            400,
            {"error": "invalid_grant", "error_description": "expired"},
            errors.ReauthenticationRequiredError,
        ),
    ],
)
def test_both_constant_contact_error_shapes_are_classified(status, body, kind):
    error = errors.constant_contact_error(status, {}, json.dumps(body))

    assert isinstance(error, kind)
    assert isinstance(error, errors.ConstantContactError)
    assert error.code


def test_quota_exceeded_is_not_mistaken_for_a_retriable_throttle():
    body = json.dumps({"error_key": "quota_exceeded", "error_message": "Limit"})
    error = errors.constant_contact_error(429, {}, body)

    assert not isinstance(error, errors.ThrottledError)


def test_configuration_error_lists_every_problem():
    error = errors.ConfigurationError(["a is missing", "b is not a number"])

    assert "2 problems" in str(error)
    assert "a is missing" in str(error)
    assert "b is not a number" in str(error)


def test_retry_after_accepts_an_http_date_in_the_past_as_zero():
    assert errors.parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert errors.parse_retry_after("12") == 12
    assert errors.parse_retry_after("soon") is None
