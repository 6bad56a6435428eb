"""The D365 shell's server side: sign-in, the person's Web API, solution pages.

Run against the session sandbox over HTTPS, as a browser would call it (the browser
tests in tests/browser click the same pages in Chromium).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.sandbox_process import SandboxProcess, SandboxSession

SHELL = "d365/contoso/"
MODEL = re.compile(
    r'<script id="shell-model" type="application/json">(.*?)</script>', re.S
)


def signed_in(sandbox: SandboxProcess, login: str) -> SandboxSession:
    session = sandbox.http()
    answer = session.post(
        f"{SHELL}signin", data={"login": login, "next": ""}, allow_redirects=False
    )
    assert answer.status_code == 302
    return session


def page_model(session: SandboxSession, query: str) -> dict[str, Any]:
    answer = session.get(f"{SHELL}main.aspx?{query}")
    assert answer.status_code == 200
    return json.loads(MODEL.search(answer.text).group(1))


def test_sandbox_json_names_the_shell_of_each_org(sandbox: SandboxProcess) -> None:
    assert sandbox.config["d365"]["contoso"] == f"{sandbox.base_url}/{SHELL}"


def test_pages_send_a_stranger_to_sign_in_and_back(sandbox: SandboxProcess) -> None:
    session = sandbox.http()
    target = "/d365/contoso/main.aspx?pagetype=entitylist&etn=pocc_job"

    answer = session.get(target, allow_redirects=False)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/d365/contoso/signin?next=")

    signed = session.post(
        f"{SHELL}signin",
        data={"login": "marketer", "next": target},
        allow_redirects=False,
    )
    assert signed.headers["Location"] == target


def test_sign_in_never_redirects_off_the_shell(sandbox: SandboxProcess) -> None:
    session = sandbox.http()

    for target in ("https://example.invalid/", "/d365/contoso//example.invalid", "/"):
        answer = session.post(
            f"{SHELL}signin",
            data={"login": "marketer", "next": target},
            allow_redirects=False,
        )
        assert answer.headers["Location"] == "/d365/contoso/main.aspx"


def test_a_forged_cookie_is_not_a_sign_in(sandbox: SandboxProcess) -> None:
    session = signed_in(sandbox, "salesperson")
    cookie = session.cookies.get("pocc_shell_contoso")
    session.cookies.clear()
    session.cookies.set(
        "pocc_shell_contoso", cookie.replace("salesperson", "administrator")
    )

    assert session.get(f"{SHELL}api/data/v9.2/WhoAmI").status_code == 401
    assert session.get(f"{SHELL}main.aspx", allow_redirects=False).status_code == 302


def test_the_web_api_runs_as_the_signed_in_person(sandbox: SandboxProcess) -> None:
    marketer = signed_in(sandbox, "marketer")
    model = page_model(marketer, "pagetype=entitylist&etn=pocc_job")

    who = marketer.get(f"{SHELL}api/data/v9.2/WhoAmI").json()
    assert who["UserId"] == model["user"]["id"]
    assert model["user"]["roles"] == ["PowerConstantContact User"]

    user = sandbox.admin_session().get(
        f"systemusers({who['UserId']})?$select=fullname,applicationid,isdisabled"
    )
    assert user.json()["fullname"] == "Morgan Reyes"
    # Backed by an app registration: not a licensed user in the billing count.
    assert user.json()["applicationid"]


def test_the_user_role_may_create_a_job_and_no_role_may_not(
    sandbox: SandboxProcess,
) -> None:
    job = {"pocc_name": "Synchronize campaigns", "pocc_kind": 101500000}
    marketer = signed_in(sandbox, "marketer")
    created = marketer.post(f"{SHELL}api/data/v9.2/pocc_jobs", json=job)
    assert created.status_code == 204
    job_url = created.headers["OData-EntityId"]
    job_id = re.search(r"\(([0-9a-f-]{36})\)", job_url).group(1)
    sandbox.admin_session().delete(f"pocc_jobs({job_id})").raise_for_status()

    salesperson = signed_in(sandbox, "salesperson")
    refused = salesperson.post(f"{SHELL}api/data/v9.2/pocc_jobs", json=job)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "0x80040220"
    assert "prvCreatepocc_Job" in refused.json()["error"]["message"]


def test_pages_come_from_the_solution(sandbox: SandboxProcess) -> None:
    marketer = signed_in(sandbox, "marketer")

    listing = page_model(marketer, "pagetype=entitylist&etn=pocc_campaign")
    assert [item["title"] for item in listing["siteMap"]["groups"][0]["items"]] == [
        "Campaigns",
        "Jobs",
        "Email duplicates",
    ]
    assert "Active Constant Contact Campaigns" in [
        view["name"] for view in listing["views"]
    ]
    [synchronize] = listing["ribbon"]
    assert synchronize["label"] == "Synchronize"
    assert synchronize["actions"][-1]["function"] == "Pocc.Ribbon.synchronize"
    assert synchronize["actions"][-1]["parameters"] == ["PrimaryControl"]

    form = page_model(marketer, "pagetype=entityrecord&etn=pocc_campaign")
    controls = [
        control
        for tab in form["form"]
        for section in tab["sections"]
        for control in section["controls"]
    ]
    jobs = next(control for control in controls if control["id"] == "Jobs")
    assert jobs["filterColumn"] == "pocc_campaignid"
    assert jobs["view"]["table"] == "pocc_job"
    assert {"pocc_/pages/statistics.html"} <= {
        control.get("name") for control in controls
    }
    assert [button["label"] for button in form["ribbon"]] == ["Send"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("WebResources/pocc_/scripts/ribbon.js", 200),
        ("WebResources/pocc_/pages/setup.html", 200),
        ("WebResources/package.json", 404),
        ("WebResources/pocc_/../package.json", 404),
    ],
)
def test_only_registered_web_resources_are_served(
    sandbox: SandboxProcess, path: str, status: int
) -> None:
    marketer = signed_in(sandbox, "marketer")

    assert marketer.get(f"{SHELL}{path}").status_code == status
    assert sandbox.http().get(f"{SHELL}{path}").status_code in (401, 404)
