"""The pseudonymiser's requests and answers: blinded elements, evaluations, public keys."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from crypto.identifiers import IdentifierKind

SUITE = "ristretto255-SHA512"
MAX_BATCH = 100


class KeyOut(BaseModel):
    epoch: str
    public_key: str


class KeysOut(BaseModel):
    suite: str = SUITE
    mode: str = "poprf"
    current_epoch: str
    keys: list[KeyOut]


class EvaluationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: IdentifierKind
    epoch: str | None = Field(
        default=None,
        max_length=64,
        pattern=r"^[0-9A-Za-z._-]+$",
        description="Defaults to the current epoch.",
    )
    blinded_elements: list[str] = Field(min_length=1, max_length=MAX_BATCH)


class EvaluationOut(BaseModel):
    kind: IdentifierKind
    epoch: str
    evaluated_elements: list[str]
    proof: str


class StatisticsOut(BaseModel):
    evaluations: dict[str, int]
