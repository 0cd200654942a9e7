"""A small HTTP client for the hub's API, used by the CLI and the connectors."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from api.client.pseudonymise import Pseudonym

TEAM_HEADER = "Betrokken-Team"


class HubError(Exception):
    """The hub answered with a problem; ``problem`` holds its problem+json body.

    The message names each field a 422 found wrong (the hub never echoes the input)."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        lines = [f"{status} {problem.get('code', '')}: {problem.get('detail', '')}"]
        for error in problem.get("errors", ()):
            where = ".".join(str(part) for part in error.get("location", ()) if part != "body")
            lines.append(f"  {where or 'body'}: {error.get('message', '')}")
        for found in problem.get("problems", ()):  # a policy that does not validate
            line = found.get("line")
            lines.append(f"  {'line ' + str(line) if line else 'policy'}: {found.get('problem')}")
        super().__init__("\n".join(lines))
        self.status = status
        self.problem = problem


class HubClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        team: str | None = None,
        http: httpx.Client | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._http = http or httpx.Client(base_url=base_url, timeout=timeout)
        self._headers = {"Authorization": f"Bearer {token}"}
        if team:  # a member of several teams says which one it acts for
            self._headers[TEAM_HEADER] = team

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
        reference: str | None = None,
        label: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"subject": subject.as_subject(), "purpose": purpose}
        if legal_basis:
            body["legal_basis"] = legal_basis
        if expires_on:
            body["expires_on"] = expires_on.isoformat()
        if reference:
            body["reference"] = reference
        if label:
            body["label"] = label
        return self._call("POST", "/api/v1/flags", body)

    def check_involvement(
        self, subject: Pseudonym, *, purpose: str, case_ref: str
    ) -> dict[str, Any]:
        body = {"subject": subject.as_subject(), "purpose": purpose, "case_ref": case_ref}
        return self._call("POST", "/api/v1/involvement-checks", body)

    def withdraw_flag(self, flag_id: str) -> dict[str, Any]:
        return self._call("DELETE", f"/api/v1/flags/{flag_id}")

    def list_flags(self, *, status: str | None = None) -> dict[str, Any]:
        return self._call("GET", "/api/v1/flags", params={"status": status} if status else None)

    def renew_flag(self, flag_id: str, *, expires_on: date | None = None) -> dict[str, Any]:
        body = {"expires_on": expires_on.isoformat()} if expires_on else {}
        return self._call("POST", f"/api/v1/flags/{flag_id}/renewal", body)

    def erase_subject(self, subject: Pseudonym, *, reason: str) -> dict[str, Any]:
        body = {"subject": subject.as_subject(), "reason": reason}
        return self._call("POST", "/api/v1/erasures", body)

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        params: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Any other route under ``/api/v1`` (``path`` without that prefix)."""
        return self._call(method, f"/api/v1{path}", body, params=params)

    def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        params: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        try:
            response = self._http.request(
                method, path, json=body, params=params, headers=self._headers
            )
        except httpx.HTTPError as error:
            raise HubError(0, {"code": "unreachable", "detail": str(error)}) from None
        payload: dict[str, Any] = response.json() if response.content else {}
        if response.status_code >= 400:
            raise HubError(response.status_code, payload)
        return payload
