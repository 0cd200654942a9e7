"""Registering a partner's rows as flags: pseudonymised in batches, sent in batches, and
recorded in the state per batch, so a run may stop anywhere and be run again.

Each row is a partner id, an identifier (validated when the file was read) and the rest
of the flag's body (purpose, due dates, convenant). The identifier goes to the
pseudonymiser only blinded and to the hub only as a pseudonym; it is never kept.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from connectors.framework.exchange import Exchange
from connectors.framework.report import RunReport
from connectors.framework.state import ConnectorState, Item
from crypto.identifiers import IdentifierKind


@dataclass(frozen=True)
class FlagRow:
    """One row to become a flag. ``identifier`` is only ever held in memory."""

    line: int
    partner_id: str
    kind: IdentifierKind
    identifier: str
    body: dict[str, Any]
    item: Item
    """What the state records once the flag exists (its ``flag_id`` filled in then)."""


AHEAD = 2  # chunks pseudonymised ahead of the one being registered

Adopted = Callable[[Exchange, str, Sequence[Item]], None]
"""Called when rows were joined to a flag that already existed (another row's, or one an
earlier cut-off run registered): the connector brings that flag up to date."""


def register_rows(
    exchange: Exchange,
    state: ConnectorState,
    report: RunReport,
    rows: Sequence[FlagRow],
    *,
    connector: str,
    batch: int,
    adopted: Adopted | None = None,
) -> None:
    """Register ``rows`` not yet in the state; count ``registered``, ``adopted`` (the hub
    already had the team's flag on that subject) and ``rejected`` (the hub's reason).

    The next chunks are pseudonymised in threads while the hub registers this one (the
    OPRF's arithmetic and the waits release the GIL): about twice the rate of doing one
    after the other on this machine (docs/benchmarks.md). Chunks are registered and
    recorded in order, so a cut-off run leaves a prefix recorded.
    """
    chunks = [rows[start : start + batch] for start in range(0, len(rows), batch)]
    with ThreadPoolExecutor(max_workers=AHEAD, thread_name_prefix="pseudonymise") as pool:
        ahead: deque[Future[list[dict[str, str]]]] = deque(
            pool.submit(_subjects, exchange, chunk) for chunk in chunks[:AHEAD]
        )
        for index, chunk in enumerate(chunks):
            subjects = ahead.popleft().result()
            if index + AHEAD < len(chunks):
                ahead.append(pool.submit(_subjects, exchange, chunks[index + AHEAD]))
            _register_chunk(exchange, state, report, chunk, subjects, connector, adopted)


def _subjects(exchange: Exchange, chunk: Sequence[FlagRow]) -> list[dict[str, str]]:
    """The chunk's subjects as the hub takes them, in order, one pseudonymiser call per kind."""
    subjects: dict[int, dict[str, str]] = {}
    for kind in {row.kind for row in chunk}:
        of_kind = [index for index, row in enumerate(chunk) if row.kind is kind]
        made = exchange.pseudonymise(kind, [chunk[index].identifier for index in of_kind])
        subjects.update(
            (index, pseudonym.as_subject()) for index, pseudonym in zip(of_kind, made, strict=True)
        )
    return [subjects[index] for index in range(len(chunk))]


def _register_chunk(
    exchange: Exchange,
    state: ConnectorState,
    report: RunReport,
    chunk: Sequence[FlagRow],
    subjects: list[dict[str, str]],
    connector: str,
    adopted: Adopted | None,
) -> None:
    bodies = [
        {"subject": subject, **row.body} for subject, row in zip(subjects, chunk, strict=True)
    ]
    answer = exchange.hub("POST", "/flag-batches", {"flags": bodies})
    recorded: list[Item] = []
    joined: dict[str, list[Item]] = {}
    for row, item in zip(chunk, answer["items"], strict=True):
        if item["status"] == 201:
            flag_id = str(item["flag"]["id"])
            report.counts["registered"] += 1
        elif item["status"] == 409 and item["problem"].get("flag_id"):
            flag_id = str(item["problem"]["flag_id"])
            report.counts["adopted"] += 1
        else:
            problem = item["problem"] or {}
            report.reject(row.line, _reason(problem))
            continue
        done = Item(**{**row.item.__dict__, "flag_id": flag_id})
        recorded.append(done)
        if item["status"] == 409:
            joined.setdefault(flag_id, []).append(done)
    # The shared flags first, the record after: cut off in between, the next run
    # meets the same 409s and brings the flags up to date again (it is idempotent).
    if adopted is not None:
        for flag_id, items in joined.items():
            adopted(exchange, flag_id, items)
    state.record(connector, recorded, run_id=exchange.run_id)


def _reason(problem: dict[str, Any]) -> str:
    """The hub's refusal in words: its code and detail (which never repeat the input)."""
    return f"refused by the hub: {problem.get('code', 'error')}: {problem.get('detail', '')}"
