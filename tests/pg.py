"""A throwaway PostgreSQL server for the tests, started as an unprivileged user."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from bench.postgres import PG_BIN, free_port, pg_user, run_as
from tests.servers import children

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

    def halt(self) -> None:
        """Stop the server and keep its data, to :meth:`start` it again on the same port."""
        run_as(
            self.user, [str(PG_BIN / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "stop"]
        )

    def start(self) -> None:
        """Start the server (again) on its port, and wait until it accepts connections."""
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=200"
        )
        run_as(
            self.user,
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.root / "data"),
                "-o",
                options,
                "-l",
                str(self.root / "log"),
                "-w",
                "start",
            ],
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not start")

    @contextmanager
    def frozen(self) -> Iterator[None]:
        """The postmaster and every process it started stopped (``SIGSTOP``) until the end.

        Backends call ``setsid()``, so the postmaster's process group alone leaves them
        answering: each is stopped by its id, the postmaster first so it forks no more.
        """
        postmaster = int((self.root / "data" / "postmaster.pid").read_text().split()[0])
        processes = [postmaster]
        try:
            os.kill(postmaster, signal.SIGSTOP)
            for child in children(postmaster):
                with suppress(ProcessLookupError):  # it ended meanwhile
                    os.kill(child, signal.SIGSTOP)
                    processes.append(child)
            yield
        finally:
            for process in processes:
                with suppress(ProcessLookupError):
                    os.kill(process, signal.SIGCONT)


def start_postgres() -> PostgresServer:
    """initdb + pg_ctl start on a free port; refuses to run PostgreSQL as root."""
    if not (PG_BIN / "initdb").exists():
        raise RuntimeError(f"PostgreSQL binaries not found in {PG_BIN}: run `make setup`")
    user = pg_user()
    root = Path(tempfile.mkdtemp(prefix="betrokken-pg-"))
    if os.geteuid() == 0:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    run_as(
        user,
        [
            str(PG_BIN / "initdb"),
            "-D",
            str(root / "data"),
            "-A",
            "trust",
            "-U",
            user,
            "-E",
            "UTF8",
            "--no-sync",
        ],
    )
    server = PostgresServer(root=root, port=free_port(), user=user)
    server.start()
    return server
