"""A base backup and the WAL archive (deploy/backup/*.sh) restored into a fresh cluster: the
restored audit log verifies against a checkpoint kept outside the database before the
backup, and what was written after the backup came back from the archive."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.app import create_app
from hub.background import sequencer_job
from hub.runtime import build_runtime
from hub.settings import DEMO_POLICY, Settings
from tests.ha.driver import create_database, dev_idp, run_cli
from tests.helpers import auth, check, opaque_pseudonym, register
from testsupport.postgres import THROWAWAY_SETTINGS, PostgresCluster, pg_user

pytestmark = [pytest.mark.ha, pytest.mark.postgres, pytest.mark.processes]

BACKUP = Path(__file__).resolve().parents[2] / "deploy" / "backup"
RECOVERY_DEADLINE = 120.0


def _as_pg_user(argv: list[str]) -> str:
    if os.geteuid() == 0:
        argv = ["runuser", "-u", pg_user(), "--", *argv]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"{argv}: {done.stdout}{done.stderr}"
    return done.stdout


def _owned_directory(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        entry = pwd.getpwnam(pg_user())
        os.chown(path, entry.pw_uid, entry.pw_gid)
    return path


@pytest.fixture
def pg_root() -> Iterator[Path]:
    """A directory the PostgreSQL user can reach (pytest's own are the caller's only)."""
    root = _owned_directory(Path(tempfile.mkdtemp(prefix="betrokken-backup-")))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_restore_from_base_backup_and_wal_archive(tmp_path: Path, pg_root: Path) -> None:
    # The scripts as the PostgreSQL user runs them, from where that user can reach them
    # (a checkout may sit in a directory only its owner can enter).
    scripts = _owned_directory(pg_root / "scripts")
    for script in BACKUP.glob("*.sh"):
        shutil.copy2(script, scripts / script.name)
    backups = _owned_directory(pg_root / "backups")
    archive = _owned_directory(backups / "wal")
    archiving = {
        **THROWAWAY_SETTINGS,
        "fsync": "on",
        "wal_level": "replica",
        "archive_mode": "on",
        "archive_command": f"'{scripts / 'archive-wal.sh'} %p %f {archive}'",
    }
    source = PostgresCluster(_owned_directory(pg_root / "source"), archiving)
    source.start()
    try:
        url = source.url("betrokken")
        create_database(source.admin_url, url)
        settings = Settings(
            data_dir=tmp_path / "data",
            database_url=url,
            policy_file=DEMO_POLICY,
            background_jobs=False,
        )
        idp = dev_idp(settings.data_dir)
        runtime = build_runtime(settings)
        bram = auth(idp, "bram", "schuldhulp")
        anna = auth(idp, "anna", "pw-handhaving")
        with TestClient(create_app(runtime=runtime)) as client:
            for i in range(20):
                subject = opaque_pseudonym(f"backup-{i}")
                assert register(client, bram, subject, purpose="schuldhulpverlening").is_success
                assert check(client, anna, subject, purpose="rechtmatigheid").is_success
            # The officer keeps the latest checkpoint somewhere the database is not.
            kept = tmp_path / "kept-checkpoint.txt"
            signed = sequencer_job(runtime, force_checkpoint=True).checkpoint
            assert signed is not None
            kept.write_text(signed.note)

            backup = Path(
                _as_pg_user(
                    [
                        str(scripts / "base-backup.sh"),
                        str(backups),
                        "-h",
                        "127.0.0.1",
                        "-p",
                        str(source.port),
                        "-U",
                        source.user,
                    ]
                )
                .strip()
                .splitlines()[-1]
            )

            # After the backup: only the WAL archive has these.
            later = register(client, bram, opaque_pseudonym("after"), purpose="schuldhulpverlening")
            assert later.status_code == 201
            later_flag = later.json()["flag"]["id"]
            sequencer_job(runtime, force_checkpoint=True)
        runtime.sessions.kw["bind"].dispose()
        admin = create_engine(source.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            # The segment holding the last writes, finished now so it is archived.
            segment = connection.execute(
                text("SELECT pg_walfile_name(pg_switch_wal())")
            ).scalar_one()
        admin.dispose()
        _wait_archived(archive, segment)
    finally:
        source.stop(mode="immediate")  # the server is lost

    # A fresh cluster from the backup and the archive.
    restored = PostgresCluster(_owned_directory(pg_root / "restored"), THROWAWAY_SETTINGS)
    _as_pg_user([str(scripts / "restore.sh"), str(backup), str(archive), str(restored.data)])
    restored.start()
    try:
        restored_url = restored.url("betrokken")
        engine = create_engine(restored_url)
        deadline = time.monotonic() + RECOVERY_DEADLINE
        while True:
            with engine.connect() as connection:
                if not connection.execute(text("SELECT pg_is_in_recovery()")).scalar_one():
                    break
            assert time.monotonic() < deadline, "the restored cluster did not finish recovery"
            time.sleep(0.2)
        with engine.connect() as connection:
            flags = {str(row[0]) for row in connection.execute(text("SELECT id FROM flags"))}
        engine.dispose()
        assert later_flag in flags, "the WAL archive was not replayed"
        assert len(flags) == 21

        env = {
            **os.environ,
            "BETROKKEN_DATA_DIR": str(settings.data_dir),
            "BETROKKEN_DATABASE_URL": restored_url,
            "BETROKKEN_POLICY_FILE": str(DEMO_POLICY),
        }
        key = run_cli(["audit", "public-key"], env).strip().splitlines()[-1]
        export = tmp_path / "export.json"
        run_cli(["audit", "export", "--out", str(export)], env)
        verified = run_cli(
            [
                "audit",
                "verify",
                str(export),
                "--public-key",
                key,
                "--trusted-checkpoint",
                str(kept),
            ],
            env,
        )
        assert verified.startswith("OK"), verified
        print(f"\nrestore: {verified.strip()}")
    finally:
        restored.stop(mode="immediate")


def _wait_archived(archive: Path, segment: str) -> None:
    deadline = time.monotonic() + 60
    while not (archive / segment).exists():
        assert time.monotonic() < deadline, f"segment {segment} not archived"
        time.sleep(0.2)
