"""A PostgreSQL 15 cluster for the benchmark: durable commits, sized for 10-20 million flags.

Unlike the tests' throwaway server (``fsync=off``), this one keeps ``fsync`` and
``synchronous_commit`` on: the hub is measured against what a durable database can do.
The cluster lives in the bench's work directory and can be kept between runs (``--keep``)
so a seeded 10-million-flag database is loaded only once.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

PG_BIN = Path(os.environ.get("BETROKKEN_PG_BIN", "/usr/lib/postgresql/15/bin"))

# Production-like settings for one 2-core, 24 GB machine; durability stays on.
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "max_connections": "300",
    "shared_buffers": "4GB",
    "effective_cache_size": "12GB",
    "maintenance_work_mem": "1GB",
    "work_mem": "16MB",
    "wal_buffers": "64MB",
    "max_wal_size": "16GB",
    "checkpoint_timeout": "30min",
    "fsync": "on",
    "synchronous_commit": "on",
    "full_page_writes": "on",
    "max_parallel_maintenance_workers": "2",
    "jit": "off",
}


@dataclass(frozen=True)
class Database:
    """Where a database is, in the forms the hub (SQLAlchemy) and pgbench (libpq) need."""

    host: str
    port: int
    user: str
    name: str

    @property
    def sqlalchemy_url(self) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{self.name}"

    @property
    def libpq_url(self) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.name}"

    def sibling(self, name: str) -> Database:
        return Database(host=self.host, port=self.port, user=self.user, name=name)

    @classmethod
    def from_url(cls, url: str) -> Database:
        parts = urlsplit(url.replace("+psycopg", ""))
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            name=parts.path.lstrip("/") or "postgres",
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pg_user() -> str:
    return "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name


def run_as(user: str, argv: list[str]) -> None:
    if os.geteuid() == 0:
        argv = ["runuser", "-u", user, "--", *argv]
    subprocess.run(argv, check=True, capture_output=True, text=True)


class BenchCluster:
    """A cluster in ``root`` (created on first use), started on a free port."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.user = pg_user()
        self.port = 0

    def start(self) -> Database:
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(f"PostgreSQL binaries not found in {PG_BIN}: run `make setup`")
        if not (self.data / "PG_VERSION").exists():
            self._initdb()
        self.port = free_port()
        options = f"-p {self.port} -k {self.root} " + " ".join(
            f"-c {name}={value}" for name, value in SERVER_SETTINGS.items()
        )
        run_as(
            self.user,
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.root / "postgres.log"),
                "-w",
                "-t",
                "120",
                "start",
            ],
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return Database("127.0.0.1", self.port, self.user, "postgres")
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not start")

    def stop(self, *, remove: bool) -> None:
        run_as(self.user, [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"])
        if remove:
            shutil.rmtree(self.root, ignore_errors=True)

    def _initdb(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        run_as(
            self.user,
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                self.user,
                "-E",
                "UTF8",
            ],
        )
