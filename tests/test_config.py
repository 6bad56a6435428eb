"""pocc.config: every setting declared once, all problems reported at once."""

from __future__ import annotations

import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from pocc.config import SETTINGS, describe, load_settings
from pocc.errors import ConfigurationError
from tests.reference import PROJECT_ROOT

CLIENT_ID = "7f1b7c47-2b0b-4a3c-9a6e-0d0f5e1c2a11"
SECRET = "app-secret-value-42"


def valid_environment(**changes: str) -> dict[str, str]:
    environ = {
        "POCC_ORGS": (
            "contoso=https://contoso.crm.dynamics.com;"
            "fabrikam=https://fabrikam.crm4.dynamics.com/"
        ),
        "POCC_ORG_TENANTS": "contoso=contoso.onmicrosoft.com",
        "POCC_CLIENT_ID": CLIENT_ID,
        "POCC_CLIENT_SECRET": SECRET,
        "POCC_SECRET_KEY": f"{Fernet.generate_key().decode()},"
        f"{Fernet.generate_key().decode()}",
    }
    environ.update(changes)
    return environ


def test_a_valid_environment_gives_typed_settings_with_defaults():
    settings = load_settings(valid_environment())

    assert set(settings.organizations) == {"contoso", "fabrikam"}
    assert settings.organization("fabrikam").url == "https://fabrikam.crm4.dynamics.com"
    assert settings.organization("contoso").tenant == "contoso.onmicrosoft.com"
    assert settings.organization("fabrikam").tenant is None
    assert settings.authority_host == "https://login.microsoftonline.com"
    assert settings.constant_contact_api_url == "https://api.cc.email/v3"
    assert len(settings.secret_keys) == 2
    assert settings.max_in_flight == 16
    assert settings.ca_bundle is None


def test_every_problem_is_reported_in_one_error():
    environ = valid_environment(
        POCC_ORGS="contoso=http://insecure.example.com",
        POCC_CLIENT_ID="not-a-guid",
        POCC_MAX_IN_FLIGHT="500",
        POCC_CA_BUNDLE="/nonexistent/ca.pem",
    )
    del environ["POCC_CLIENT_SECRET"]

    with pytest.raises(ConfigurationError) as raised:
        load_settings(environ)

    problems = "\n".join(raised.value.problems)
    assert len(raised.value.problems) == 5
    assert "POCC_ORGS" in problems
    assert "POCC_CLIENT_ID" in problems
    assert "POCC_CLIENT_SECRET is not set" in problems
    assert "POCC_MAX_IN_FLIGHT" in problems
    assert "POCC_CA_BUNDLE" in problems


def test_a_missing_secret_key_says_how_to_make_one():
    environ = valid_environment()
    del environ["POCC_SECRET_KEY"]

    with pytest.raises(ConfigurationError, match="python -m pocc config --new-key"):
        load_settings(environ)


def test_a_malformed_secret_key_is_refused_without_echoing_it():
    environ = valid_environment(POCC_SECRET_KEY="short-secret-key")

    with pytest.raises(ConfigurationError) as raised:
        load_settings(environ)

    assert "short-secret-key" not in str(raised.value)
    assert "not a Fernet key" in str(raised.value)


def test_a_tenant_for_an_unknown_organisation_is_a_problem():
    environ = valid_environment(POCC_ORG_TENANTS="northwind=abc")

    with pytest.raises(ConfigurationError, match="northwind"):
        load_settings(environ)


def test_an_unknown_organisation_name_lists_the_configured_ones():
    settings = load_settings(valid_environment())

    with pytest.raises(ConfigurationError, match="contoso, fabrikam"):
        settings.organization("northwind")


def test_every_setting_is_declared_once_with_a_description():
    names = [setting.env for setting in SETTINGS]

    assert len(names) == len(set(names))
    assert all(name.startswith("POCC_") for name in names)
    assert all(setting.description for setting in SETTINGS)


def test_describe_masks_secrets_and_shows_defaults():
    environ = valid_environment()
    shown = {name: value for name, value, _ in describe(environ)}

    assert SECRET not in str(shown)
    assert shown["POCC_CLIENT_SECRET"] == "******"
    assert shown["POCC_SECRET_KEY"] == "****** (2 keys)"
    assert "(default)" in shown["POCC_AUTHORITY_HOST"]


def run_config_command(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pocc", "config", *args],
        cwd=PROJECT_ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_config_command_prints_settings_with_secrets_masked():
    environ = valid_environment()
    result = run_config_command(env=environ)

    assert result.returncode == 0, result.stderr
    assert "POCC_CLIENT_SECRET" in result.stdout
    assert SECRET not in result.stdout + result.stderr
    assert environ["POCC_SECRET_KEY"].split(",")[0] not in result.stdout
    assert "The configuration is valid." in result.stdout


def test_config_command_reports_problems_and_fails():
    result = run_config_command(env={})

    assert result.returncode == 2
    assert "POCC_SECRET_KEY is not set" in result.stderr


def test_config_new_key_prints_a_usable_key():
    result = run_config_command("--new-key", env={})
    key = result.stdout.strip()

    assert result.returncode == 0
    assert load_settings(valid_environment(POCC_SECRET_KEY=key)).secret_keys == (key,)
