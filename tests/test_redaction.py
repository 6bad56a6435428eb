"""pocc.redaction: what may reach a log line."""

from __future__ import annotations

from pocc.redaction import mask_email, redact


def test_emails_are_masked_plain_plus_addressed_and_url_encoded():
    text = redact(
        "to jane.doe+news@example.com and contacts(emailaddress1='o%40x.org')"
    )

    assert text == "to j***@example.com and contacts(emailaddress1='o***%40x.org')"


def test_tokens_are_replaced():
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"

    assert redact(f"token {jwt}") == "token <token>"
    assert redact("Authorization: Bearer abcdefghijklmnopqrstuvwxyz") == (
        "Authorization: Bearer <token>"
    )


def test_ordinary_words_are_left_alone():
    assert (
        redact("answered with a bearer challenge") == "answered with a bearer challenge"
    )


def test_mask_email_keeps_the_domain_only():
    assert mask_email("jane@example.com") == "j***@example.com"
    assert mask_email("not an address") == "***"
