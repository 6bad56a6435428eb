"""Request and response bodies of the jobs API, validated with marshmallow."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate


class NudgeRequest(Schema):
    """The optional body of `POST /api/jobs/<org>/<job id>`: nothing is required.

    The ribbon may say where the click came from; anything else is refused, so a
    misspelt field is noticed rather than ignored.
    """

    class Meta:
        unknown = RAISE

    source = fields.String(validate=validate.Length(max=100))


class JobAccepted(Schema):
    """The 202 answer: the job that will run and its status now."""

    id = fields.UUID(required=True)
    organization = fields.String(required=True)
    status = fields.String(required=True)
    message = fields.String(required=True)
