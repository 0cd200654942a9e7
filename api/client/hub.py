"""A small HTTP client for the hub's API, used by the CLI and the connectors."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from api.client.pseudonymise import Pseudonym


class HubError(Exception):
    """The hub answered with a problem; ``problem`` holds its problem+json body."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{status} {problem.get('code', '')}: {problem.get('detail', '')}")
        self.status = status
        self.problem = problem


class HubClient:
    def __init__(
        self, base_url: str, token: str, *, http: httpx.Client | None = None, timeout: float = 10.0
    ) -> None:
        self._http = http or httpx.Client(base_url=base_url, timeout=timeout)
        self._headers = {"Authorization": f"Bearer {token}"}

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def register_flag(
        self,
        subject: Pseudonym,
        *,
        purpose: str,
        legal_basis: str | None = None,
        expires_on: date | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"subject": subject.as_subject(), "purpose": purpose}
        if legal_basis:
            body["legal_basis"] = legal_basis
        if expires_on:
            body["expires_on"] = expires_on.isoformat()
        return self._call("POST", "/api/v1/flags", body)

    def check_involvement(
        self, subject: Pseudonym, *, purpose: str, case_ref: str
    ) -> dict[str, Any]:
        body = {"subject": subject.as_subject(), "purpose": purpose, "case_ref": case_ref}
        return self._call("POST", "/api/v1/involvement-checks", body)

    def withdraw_flag(self, flag_id: str) -> dict[str, Any]:
        return self._call("DELETE", f"/api/v1/flags/{flag_id}")

    def list_flags(self) -> dict[str, Any]:
        return self._call("GET", "/api/v1/flags")

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self._http.request(method, path, json=body, headers=self._headers)
        payload: dict[str, Any] = response.json() if response.content else {}
        if response.status_code >= 400:
            raise HubError(response.status_code, payload)
        return payload
