"""pocc.dataverse.paging and fetchxml: lazy pages, loop guards, the paging cookie."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from pocc import errors
from pocc.dataverse.fetchxml import iterate_fetch, paging_cookie
from pocc.dataverse.paging import iterate_rows

API = "https://org.example.com/api/data/v9.2/"


class Pages:
    def __init__(self, *pages):
        self.pages = list(pages)
        self.requests: list[tuple[str, object]] = []

    def __call__(self, url, params):
        self.requests.append((url, params))
        return self.pages.pop(0)


def test_pages_are_fetched_only_as_rows_are_consumed():
    pages = Pages(
        {"value": [1, 2], "@odata.nextLink": API + "contacts?$skiptoken=a"},
        {"value": [3], "@odata.nextLink": API + "contacts?$skiptoken=b"},
        {"value": [4]},
    )
    rows = iterate_rows(pages, "contacts", {"$select": "x"}, api_base=API)

    assert next(rows) == 1
    assert len(pages.requests) == 1
    assert list(rows) == [2, 3, 4]
    assert pages.requests[1] == (API + "contacts?$skiptoken=a", None)


def test_a_repeated_next_link_stops_instead_of_looping():
    link = API + "contacts?$skiptoken=same"
    pages = Pages(
        {"value": [1], "@odata.nextLink": link},
        {"value": [2], "@odata.nextLink": link},
        {"value": [3], "@odata.nextLink": link},
    )

    with pytest.raises(errors.DataverseUnexpectedResponseError, match="twice"):
        list(iterate_rows(pages, "contacts", None, api_base=API))


def test_a_next_link_to_another_host_is_not_followed():
    pages = Pages({"value": [1], "@odata.nextLink": "https://evil.example/steal"})

    with pytest.raises(errors.DataverseUnexpectedResponseError, match="outside"):
        list(iterate_rows(pages, "contacts", None, api_base=API))


def cookie_annotation(inner: str, page: int) -> str:
    encoded = quote(quote(inner, safe=""), safe="")
    return f'<cookie pagenumber="{page}" pagingcookie="{encoded}" istracking="False" />'


def test_the_paging_cookie_is_decoded_twice():
    inner = '<cookie page="1"><contactid last="{A}" first="{B}" /></cookie>'

    assert paging_cookie(cookie_annotation(inner, 2)) == inner


def test_fetch_pages_carry_page_numbers_and_the_cookie():
    inner = '<cookie page="1"><contactid last="{A}" /></cookie>'
    sent: list[str] = []

    def fetch_page(entity_set, fetch_xml):
        sent.append(fetch_xml)

        if len(sent) == 1:
            return {
                "value": [{"n": 1}],
                "@Microsoft.Dynamics.CRM.morerecords": True,
                "@Microsoft.Dynamics.CRM.fetchxmlpagingcookie": cookie_annotation(
                    inner, 2
                ),
            }

        return {"value": [{"n": 2}]}

    fetch = (
        '<fetch><entity name="contact"><attribute name="fullname"/></entity></fetch>'
    )
    rows = list(iterate_fetch(fetch_page, "contacts", fetch, page_size=1))

    assert rows == [{"n": 1}, {"n": 2}]
    assert 'count="1"' in sent[0]
    assert 'page="1"' in sent[0]
    assert 'page="2"' in sent[1]
    assert 'paging-cookie="&lt;cookie page=&quot;1&quot;&gt;' in sent[1]


def test_fetchxml_that_is_not_a_fetch_is_refused_before_sending():
    with pytest.raises(errors.DataverseInvalidRequestError):
        list(iterate_fetch(lambda *_: {}, "contacts", "<query/>"))

    with pytest.raises(errors.DataverseInvalidRequestError):
        list(iterate_fetch(lambda *_: {}, "contacts", "<fetch"))
