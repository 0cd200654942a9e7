"""The connector's own record: which partner id (an LAA signal id, an LSI project's row id)
became which flag, its status, and the runs. A SQLite file of the connector's own, never
the hub's database.

It holds no identifier: no BSN, BAG id or KvK number, only the partner's ids, the hub's
flag ids, statuses and dates. Re-running an import reads it to change nothing twice; a
run cut off (``kill -9``) left every batch either wholly recorded or not at all, and the
hub names the flag of a registration it already made (``409`` with ``flag_id``), so the
next run adopts it: no duplicates, nothing lost.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    connector TEXT NOT NULL,
    partner_id TEXT NOT NULL,
    flag_id TEXT NOT NULL,
    status TEXT NOT NULL,
    received_on TEXT,
    status_on TEXT,
    project TEXT,
    run_id TEXT NOT NULL,
    PRIMARY KEY (connector, partner_id)
);
CREATE INDEX IF NOT EXISTS items_flag ON items (flag_id);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    connector TEXT NOT NULL,
    action TEXT NOT NULL,
    started_at TEXT NOT NULL,
    report TEXT
);
CREATE TABLE IF NOT EXISTS projects (
    slug TEXT PRIMARY KEY,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    status TEXT NOT NULL,
    run_id TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Item:
    """One partner id and the flag it became."""

    partner_id: str
    flag_id: str
    status: str
    received_on: str | None = None
    status_on: str | None = None
    project: str | None = None


class ConnectorState:
    """The state file of one connector installation (all its connectors share it)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL: a commit survives the process being killed (WAL); the last ones may not
        # survive the machine losing power, and then the next run adopts their flags (409).
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def known(self, connector: str, partner_ids: Iterable[str]) -> dict[str, Item]:
        """The items of ``partner_ids`` already recorded."""
        wanted = list(partner_ids)
        found: dict[str, Item] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                "SELECT partner_id, flag_id, status, received_on, status_on, project FROM items"
                f" WHERE connector = ? AND partner_id IN ({marks})",
                [connector, *chunk],
            )
            found.update((row[0], Item(*row)) for row in rows)
        return found

    def item(self, connector: str, partner_id: str) -> Item | None:
        return self.known(connector, [partner_id]).get(partner_id)

    def items(self, connector: str, *, project: str | None = None) -> list[Item]:
        query = (
            "SELECT partner_id, flag_id, status, received_on, status_on, project FROM items"
            " WHERE connector = ?"
        )
        args: list[Any] = [connector]
        if project is not None:
            query += " AND project = ?"
            args.append(project)
        return [Item(*row) for row in self._db.execute(query + " ORDER BY partner_id", args)]

    def on_flag(self, connector: str, flag_id: str) -> list[Item]:
        """Every item that shares ``flag_id`` (LAA signals on one address share a flag)."""
        rows = self._db.execute(
            "SELECT partner_id, flag_id, status, received_on, status_on, project FROM items"
            " WHERE connector = ? AND flag_id = ? ORDER BY partner_id",
            [connector, flag_id],
        )
        return [Item(*row) for row in rows]

    def record(self, connector: str, items: Sequence[Item], *, run_id: str) -> None:
        """Record (or update) ``items`` at once: all of them or, after a crash, none."""
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO items (connector, partner_id, flag_id, status, received_on,"
                " status_on, project, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (connector, partner_id) DO UPDATE SET flag_id = excluded.flag_id,"
                " status = excluded.status, status_on = excluded.status_on,"
                " run_id = excluded.run_id",
                [
                    (
                        connector,
                        item.partner_id,
                        item.flag_id,
                        item.status,
                        item.received_on,
                        item.status_on,
                        item.project,
                        run_id,
                    )
                    for item in items
                ],
            )

    def start_run(self, run_id: str, *, connector: str, action: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO runs (run_id, connector, action, started_at) VALUES (?, ?, ?, ?)",
                [run_id, connector, action, datetime.now(UTC).isoformat()],
            )

    def finish_run(self, run_id: str, report: dict[str, Any]) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE runs SET report = ? WHERE run_id = ?",
                [json.dumps(report, sort_keys=True), run_id],
            )

    def project(self, slug: str) -> tuple[str, str, str] | None:
        """(starts_on, ends_on, status) of a project this installation made."""
        row = self._db.execute(
            "SELECT starts_on, ends_on, status FROM projects WHERE slug = ?", [slug]
        ).fetchone()
        return None if row is None else (row[0], row[1], row[2])

    def record_project(
        self, slug: str, *, starts_on: str, ends_on: str, status: str, run_id: str
    ) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO projects (slug, starts_on, ends_on, status, run_id)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (slug) DO UPDATE SET"
                " status = excluded.status, run_id = excluded.run_id",
                [slug, starts_on, ends_on, status, run_id],
            )

    def set_status(
        self, connector: str, partner_ids: Sequence[str], *, status: str, run_id: str
    ) -> None:
        with self._transaction() as db:
            db.executemany(
                "UPDATE items SET status = ?, run_id = ? WHERE connector = ? AND partner_id = ?",
                [(status, run_id, connector, partner_id) for partner_id in partner_ids],
            )
