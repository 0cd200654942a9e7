"""Client side of pseudonymisation: validate → blind → evaluate → verify proof → finalize.

Used by the CLI, the connectors and the tests. Identifiers are validated before any
network call; only blinded elements leave the client, and only pseudonyms reach the hub.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from crypto import oprf
from crypto.identifiers import Identifier, IdentifierKind, parse_identifier, poprf_info

BATCH = 100


class PseudonymiserError(Exception):
    """The pseudonymiser refused, failed, or returned something that does not verify.

    ``status`` is the HTTP status it answered with (0 when there was no answer to read);
    ``retry_after`` its ``Retry-After`` in seconds, if it sent one."""

    def __init__(self, message: str, *, status: int = 0, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class Pseudonym:
    kind: IdentifierKind
    epoch: str
    value: str  # base64url of the 64-byte POPRF output

    def as_subject(self) -> dict[str, str]:
        return {"kind": self.kind.value, "pseudonym": self.value}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PseudonymiserClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        http: httpx.Client | None = None,
        pinned_keys: Mapping[str, bytes] | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._http = http or httpx.Client(base_url=base_url, timeout=timeout)
        self._headers = {"Authorization": f"Bearer {token}"}
        self._pinned = dict(pinned_keys or {})
        self._keys: dict[str, bytes] | None = None
        self._current: str | None = None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PseudonymiserClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _public_key(self, epoch: str | None) -> tuple[str, bytes]:
        if self._keys is None:
            body = self._get("/api/v1/keys")
            self._keys = {k["epoch"]: _unb64(k["public_key"]) for k in body["keys"]}
            self._current = body["current_epoch"]
            for pinned_epoch, pinned in self._pinned.items():
                if self._keys.get(pinned_epoch) != pinned:
                    raise PseudonymiserError(
                        f"public key of epoch {pinned_epoch} is not the pinned one"
                    )
        epoch = epoch or self._current
        if epoch is None or epoch not in self._keys:
            raise PseudonymiserError("the pseudonymiser has no key for that epoch")
        return epoch, self._keys[epoch]

    def pseudonymise(
        self, kind: IdentifierKind, values: Sequence[str], *, epoch: str | None = None
    ) -> list[Pseudonym]:
        """Pseudonyms for ``values`` in order; raises ``IdentifierError`` before any request."""
        identifiers = [parse_identifier(kind, value) for value in values]
        epoch, public_key = self._public_key(epoch)
        results: list[Pseudonym] = []
        for start in range(0, len(identifiers), BATCH):
            results.extend(self._batch(identifiers[start : start + BATCH], kind, epoch, public_key))
        return results

    def pseudonymise_one(
        self, kind: IdentifierKind, value: str, *, epoch: str | None = None
    ) -> Pseudonym:
        return self.pseudonymise(kind, [value], epoch=epoch)[0]

    def _batch(
        self, identifiers: Sequence[Identifier], kind: IdentifierKind, epoch: str, public_key: bytes
    ) -> list[Pseudonym]:
        inputs = [identifier.oprf_input() for identifier in identifiers]
        blinded_pairs = [oprf.blind(x, oprf.Mode.POPRF) for x in inputs]
        blinds = [pair[0] for pair in blinded_pairs]
        blinded = [pair[1] for pair in blinded_pairs]
        body = self._post(
            "/api/v1/evaluations",
            {"kind": kind.value, "epoch": epoch, "blinded_elements": [_b64(b) for b in blinded]},
        )
        try:
            outputs = oprf.verify_and_finalize_batch(
                inputs,
                blinds,
                blinded,
                [_unb64(e) for e in body["evaluated_elements"]],
                _unb64(body["proof"]),
                mode=oprf.Mode.POPRF,
                public_key=public_key,
                info=poprf_info(kind, epoch),
            )
        except (oprf.OprfError, ValueError, KeyError) as error:
            raise PseudonymiserError(f"the evaluation does not verify: {error}") from None
        return [Pseudonym(kind=kind, epoch=epoch, value=_b64(output)) for output in outputs]

    def _get(self, path: str) -> dict[str, Any]:
        return self._checked(self._http.get(path, headers=self._headers))

    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        return self._checked(self._http.post(path, json=payload, headers=self._headers))

    @staticmethod
    def _checked(response: httpx.Response) -> dict[str, Any]:
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", "")
            except ValueError:
                detail = response.text[:200]
            retry_after = response.headers.get("retry-after", "")
            raise PseudonymiserError(
                f"pseudonymiser answered {response.status_code}: {detail}",
                status=response.status_code,
                retry_after=float(retry_after) if retry_after.isdigit() else None,
            )
        result: dict[str, Any] = response.json()
        return result
