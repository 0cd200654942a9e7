"""A PostgreSQL 15 cluster for the benchmark: durable commits, sized for 10-20 million flags.

Unlike the tests' throwaway server (``fsync=off``), this one keeps ``fsync`` and
``synchronous_commit`` on: the hub is measured against what a durable database can do.
The cluster lives in the bench's work directory and can be kept between runs (``--keep``)
so a seeded 10-million-flag database is loaded only once. Starting and stopping it is
``testsupport.postgres``'s, as for the tests' server.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from testsupport.postgres import PostgresCluster

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


class BenchCluster:
    """The bench's durable cluster in ``root`` (created on first use), on a free port."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cluster = PostgresCluster(root, SERVER_SETTINGS)

    def start(self) -> Database:
        """Start it; the admin database (``postgres``) to connect to."""
        self.cluster.start()
        return Database.from_url(self.cluster.admin_url)

    def stop(self, *, remove: bool) -> None:
        self.cluster.stop()
        if remove:
            shutil.rmtree(self.root, ignore_errors=True)


def cluster_root(work_dir: Path) -> Path:
    """Where the bench's own cluster lives: in the work directory, or, when PostgreSQL runs
    as the ``postgres`` user (we are root), in a temporary directory that user can reach
    (a clone under /root is not); named after the work directory, so --keep finds it."""
    if os.geteuid() != 0:
        return work_dir / "pg"
    digest = hashlib.sha256(str(work_dir).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"betrokken-bench-{digest}" / "pg"
