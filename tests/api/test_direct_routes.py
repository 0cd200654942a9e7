"""The busy routes served directly answer exactly as FastAPI answers them.

``api/direct_routes.py`` serves ``POST /api/v1/flags``, ``POST /api/v1/involvement-checks``
and ``POST /api/v1/contact-requests`` in front of FastAPI with the routes' own endpoints.
Here every kind of request those routes see (answers, refusals, bad tokens, bad bodies)
goes to both paths on one database, and the answers must match in status, headers and
body, up to fresh ids and handles. The body model, roles and endpoint of a direct route
are read from its FastAPI route.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, Response
from fastapi.testclient import TestClient
from pydantic import BaseModel

from api.app import HubApp, create_app
from api.auth.dev_idp import DevIdentityProvider
from api.deps import TEAM_WORK, BusyWritesDep, RuntimeDep, require
from api.direct_routes import DirectRoute
from api.routers import contact_requests, flags, involvement
from hub.actor import Actor, Role
from hub.contact_request.schemas import ContactRequestIn
from hub.flag.schemas import FlagIn
from hub.involvement.schemas import InvolvementCheckIn
from hub.runtime import Runtime
from tests.helpers import auth, opaque_pseudonym

FRESH = {"id", "check_id", "handle", "flag_id"}  # made anew by each app
"""Values that differ between two equal requests; compared by presence only."""
HEADERS = ("content-type", "api-version", "www-authenticate", "retry-after")

Request = tuple[str, dict[str, str], bytes]
Scenario = Callable[[DevIdentityProvider, str], list[Request]]


def _json(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "content-type": "application/json"}


def _flag(subject: str, purpose: str = "rechtmatigheid") -> bytes:
    return (
        f'{{"subject": {{"kind": "bsn", "pseudonym": "{subject}"}}, "purpose": "{purpose}"}}'
    ).encode()


def _check(subject: str, purpose: str = "rechtmatigheid") -> bytes:
    return (
        f'{{"subject": {{"kind": "bsn", "pseudonym": "{subject}"}}, '
        f'"purpose": "{purpose}", "case_ref": "ZAAK-2026-001"}}'
    ).encode()


def _ask(handle: str, purpose: str = "rechtmatigheid") -> bytes:
    return f'{{"handle": "{handle}", "purpose": "{purpose}", "case_ref": "PW-1"}}'.encode()


def _registration_and_checks(idp: DevIdentityProvider, side: str) -> list[Request]:
    subject = opaque_pseudonym(f"{side}-subject")
    anna = _json(auth(idp, "anna", "pw-handhaving"))
    bram = _json(auth(idp, "bram", "schuldhulp"))
    return [
        ("/api/v1/flags", bram, _flag(subject, "schuldhulpverlening")),
        ("/api/v1/flags", bram, _flag(subject, "schuldhulpverlening")),  # a duplicate: 409
        ("/api/v1/involvement-checks", anna, _check(subject)),
        ("/api/v1/involvement-checks", anna, _check(subject, "adreskwaliteit")),  # policy
        ("/api/v1/flags", anna, _flag(subject)),  # a match
        ("/api/v1/involvement-checks", bram, _check(subject, "schuldhulpverlening")),
    ]


def _refusals(idp: DevIdentityProvider, side: str) -> list[Request]:
    subject = opaque_pseudonym(f"{side}-refused")
    anna = _json(auth(idp, "anna", "pw-handhaving"))
    requests: list[Request] = []
    for path, body in (
        ("/api/v1/flags", _flag(subject)),
        ("/api/v1/involvement-checks", _check(subject)),
        ("/api/v1/contact-requests", _ask("A" * 40)),  # a handle nobody was given: 404
    ):
        requests += [
            (path, {"content-type": "application/json"}, body),
            (path, _json({"Authorization": "Bearer not.a.jwt"}), body),
            (path, _json({"Authorization": "Basic YW5uYTpzZWNyZXQ="}), body),
            (path, _json(auth(idp, "fg", None, "privacy_officer")), body),
            (path, _json(auth(idp, "zoe", "no-such-team")), body),
            (path, {**anna, "Betrokken-Team": "jeugd"}, body),
            (path, {"Authorization": anna["Authorization"]}, body),  # no content type
            (path, {**anna, "content-type": "text/plain"}, body),
            (path, anna, b"not json"),
            (path, anna, b"{}"),
            (path, anna, b'{"subject": [], "purpose": 7, "case_ref": "x"}'),
            (path, anna, body.replace(b'"bsn"', b'"passport"')),
            (path, anna, body.replace(subject.encode(), b"!" * 86)),  # not base64url
        ]
    return requests


def _normalised(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: ("<fresh>" if key in FRESH else _normalised(item)) for key, item in value.items()
        }
    if isinstance(value, list):
        return [_normalised(item) for item in value]
    return value


def _answers(client: TestClient, requests: list[Request]) -> list[dict[str, Any]]:
    answers = []
    for path, headers, body in requests:
        answer = client.post(path, content=body, headers=headers)
        json = answer.json()
        if body == b"not json" or headers.get("content-type") != "application/json":
            # FastAPI locates a JSON syntax error by position and says nothing of the
            # content type, where the direct path asks for it: the same 422, other details.
            json.pop("errors", None)
        elif "errors" in json:  # the same faults; pydantic words some in JSON mode otherwise
            json["errors"] = [error["location"] for error in json["errors"]]
        answers.append(
            {
                "status": answer.status_code,
                "headers": {name: answer.headers.get(name) for name in HEADERS},
                "body": _normalised(json),
            }
        )
    return answers


@pytest.fixture
def both(runtime: Runtime) -> Iterator[tuple[TestClient, TestClient]]:
    with (
        TestClient(create_app(runtime=runtime)) as direct,
        TestClient(create_app(runtime=runtime, direct=False)) as fastapi,
    ):
        yield direct, fastapi


@pytest.mark.parametrize("scenario", [_registration_and_checks, _refusals])
def test_direct_routes_answer_as_fastapi_does(
    both: tuple[TestClient, TestClient], idp: DevIdentityProvider, scenario: Scenario
) -> None:
    direct, fastapi = both
    served_directly = _answers(direct, scenario(idp, "direct"))
    served_by_fastapi = _answers(fastapi, scenario(idp, "fastapi"))
    assert served_directly == served_by_fastapi
    statuses = {answer["status"] for answer in served_directly}
    assert statuses >= (
        {200, 201, 409, 403} if scenario is _registration_and_checks else {401, 403, 415, 422}
    )


def _contact_requests(client: TestClient, idp: DevIdentityProvider, side: str) -> list[Request]:
    """Asks on the handle of a check made through ``client``: allowed, a second one while
    the first is pending, one on the asker's own team's flag, one refused by the policy."""
    subject = opaque_pseudonym(f"{side}-asked")
    anna = _json(auth(idp, "anna", "pw-handhaving"))
    bram = _json(auth(idp, "bram", "schuldhulp"))
    assert (
        client.post(
            "/api/v1/flags", content=_flag(subject, "schuldhulpverlening"), headers=bram
        ).status_code
        == 201
    )
    assert client.post("/api/v1/flags", content=_flag(subject), headers=anna).status_code == 201
    [seen] = client.post(
        "/api/v1/involvement-checks", content=_check(subject), headers=anna
    ).json()["involved"]
    [own] = client.post(
        "/api/v1/involvement-checks", content=_check(subject, "schuldhulpverlening"), headers=bram
    ).json()["involved"]
    return [
        ("/api/v1/contact-requests", anna, _ask(seen["handle"])),
        ("/api/v1/contact-requests", anna, _ask(seen["handle"])),  # pending already: 409
        ("/api/v1/contact-requests", anna, _ask(seen["handle"], "adreskwaliteit")),  # policy
        ("/api/v1/contact-requests", bram, _ask(own["handle"], "schuldhulpverlening")),
    ]


def test_contact_requests_answer_as_fastapi_does(
    both: tuple[TestClient, TestClient], idp: DevIdentityProvider
) -> None:
    direct, fastapi = both
    served_directly = _answers(direct, _contact_requests(direct, idp, "direct"))
    served_by_fastapi = _answers(fastapi, _contact_requests(fastapi, idp, "fastapi"))
    assert served_directly == served_by_fastapi
    assert [answer["status"] for answer in served_directly][:2] == [201, 409]
    assert {answer["status"] for answer in served_directly} >= {201, 409, 403}


def test_other_methods_and_routes_go_to_fastapi(
    client: TestClient, idp: DevIdentityProvider
) -> None:
    anna = auth(idp, "anna", "pw-handhaving")
    assert client.get("/api/v1/flags", headers=anna).status_code == 200
    wrong = client.put("/api/v1/involvement-checks", headers=anna)
    assert wrong.status_code == 405 and wrong.json()["code"] == "method_not_allowed"


def test_an_oversized_body_is_refused(client: TestClient, idp: DevIdentityProvider) -> None:
    anna = _json(auth(idp, "anna", "pw-handhaving"))
    answer = client.post("/api/v1/involvement-checks", content=b" " * 70_000, headers=anna)
    assert answer.status_code == 413
    assert answer.json()["code"] == "payload_too_large"
    assert answer.headers["content-type"] == "application/problem+json"


class Ping(BaseModel):
    n: int


class Pong(BaseModel):
    s: str


ForAdmins = Annotated[Actor, Depends(require(Role.ADMIN))]
ForOfficers = Annotated[Actor, Depends(require(Role.PRIVACY_OFFICER, Role.ADMIN))]


async def ping(body: Ping, actor: ForAdmins, runtime: RuntimeDep, busy: BusyWritesDep) -> Response:
    return Response()


async def pong(
    body: Pong, actor: ForOfficers, runtime: RuntimeDep, busy: BusyWritesDep
) -> Response:
    return Response()


async def unguarded(body: Ping, runtime: RuntimeDep, busy: BusyWritesDep) -> Response:
    return Response()


async def bodiless(actor: ForAdmins, runtime: RuntimeDep, busy: BusyWritesDep) -> Response:
    return Response()


async def with_query(
    body: Ping, actor: ForAdmins, runtime: RuntimeDep, busy: BusyWritesDep, page: int
) -> Response:
    return Response()


def blocking(body: Ping, actor: ForAdmins, runtime: RuntimeDep, busy: BusyWritesDep) -> Response:
    return Response()


def _app(endpoint: Callable[..., Any], method: str = "POST") -> FastAPI:
    router = APIRouter(prefix="/v1")
    router.add_api_route("/x", endpoint, methods=[method])
    app = FastAPI()
    app.include_router(router)
    return app


def test_a_direct_route_is_what_its_fastapi_route_declares(runtime: Runtime) -> None:
    """The hub's busy routes, and a route declared otherwise served otherwise."""
    hub = create_app(runtime=runtime)
    assert isinstance(hub, HubApp)
    declared = {
        route.path: (route.body, route.roles, route.endpoint) for route in hub.direct_routes
    }
    assert declared == {
        "/api/v1/involvement-checks": (
            InvolvementCheckIn,
            frozenset(TEAM_WORK),
            involvement.check_involvement,
        ),
        "/api/v1/flags": (FlagIn, frozenset(TEAM_WORK), flags.register_flag),
        "/api/v1/contact-requests": (
            ContactRequestIn,
            frozenset({Role.PROFESSIONAL, Role.TEAM_LEAD}),
            contact_requests.request_contact,
        ),
    }
    for endpoint, body, roles in (
        (ping, Ping, {Role.ADMIN}),
        (pong, Pong, {Role.PRIVACY_OFFICER, Role.ADMIN}),
    ):
        route = DirectRoute.declared(_app(endpoint), "/v1/x")
        assert (route.body, route.roles, route.endpoint) == (body, frozenset(roles), endpoint)


@pytest.mark.parametrize(
    ("endpoint", "method", "error", "match"),
    [
        (ping, "PUT", LookupError, "no route POST"),
        (bodiless, "POST", TypeError, "no 'body' parameter"),
        (unguarded, "POST", TypeError, "role dependency"),
        (
            with_query,
            "POST",
            TypeError,
            "body, caller, runtime, busy writes",
        ),  # the query goes unfilled
        (blocking, "POST", TypeError, "must be async"),  # the direct path awaits it
    ],
)
def test_a_route_that_cannot_be_served_directly_stops_start_up(
    endpoint: Callable[..., Any], method: str, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        DirectRoute.declared(_app(endpoint, method), "/v1/x")
