"""A throwaway PostgreSQL server for the tests, started as an unprivileged user."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.postgres import PG_BIN, free_port, pg_user, run_as

__all__ = ["PG_BIN", "PostgresServer", "free_port", "start_postgres"]


@dataclass
class PostgresServer:
    root: Path
    port: int
    user: str

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        run_as(
            self.user,
            [str(PG_BIN / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop"],
        )
        shutil.rmtree(self.root, ignore_errors=True)


def start_postgres() -> PostgresServer:
    """initdb + pg_ctl start on a free port; refuses to run PostgreSQL as root."""
    if not (PG_BIN / "initdb").exists():
        raise RuntimeError(f"PostgreSQL binaries not found in {PG_BIN}: run `make setup`")
    user = pg_user()
    root = Path(tempfile.mkdtemp(prefix="betrokken-pg-"))
    if os.geteuid() == 0:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    port = free_port()
    data = root / "data"
    run_as(
        user,
        [
            str(PG_BIN / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            user,
            "-E",
            "UTF8",
            "--no-sync",
        ],
    )
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    )
    run_as(
        user,
        [
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(root / "log"),
            "-w",
            "start",
        ],
    )
    server = PostgresServer(root=root, port=port, user=user)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("PostgreSQL did not start")
