"""The CLI's HTTP client: the acting team in its header, and a 422's field errors shown."""

from __future__ import annotations

import httpx
import pytest

from api.cli import render
from api.client.hub import TEAM_HEADER, HubClient, HubError


def test_the_team_goes_in_its_header_and_a_422_names_each_field() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        problem = {
            "code": "invalid_payload",
            "detail": "the request does not match the schema",
            "errors": [
                {"location": ["body", "purpose"], "message": "String should match pattern"},
                {"location": ["body", "case_ref"], "message": "may not contain 8 digits"},
            ],
        }
        return httpx.Response(422, json=problem)

    http = httpx.Client(base_url="http://hub", transport=httpx.MockTransport(answer))
    with (
        HubClient("http://hub", "t", team="schuldhulp", http=http) as hub,
        pytest.raises(HubError) as refused,
    ):
        hub.call("POST", "/contact-requests", {"purpose": "X"})
    assert seen[0].headers[TEAM_HEADER] == "schuldhulp"
    assert str(refused.value).splitlines() == [
        "422 invalid_payload: the request does not match the schema",
        "  purpose: String should match pattern",
        "  case_ref: may not contain 8 digits",
    ]


def test_without_a_team_no_header_is_sent() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"items": [], "limit": 50, "offset": 0})

    http = httpx.Client(base_url="http://hub", transport=httpx.MockTransport(answer))
    with HubClient("http://hub", "t", http=http) as hub:
        assert render.flags(hub.list_flags()) == ["no flags"]
    assert TEAM_HEADER not in seen[0].headers
