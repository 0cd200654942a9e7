"""Key files and the folders that hold them are readable by their owner only."""

from __future__ import annotations

import stat
from pathlib import Path

from api.auth.dev_idp import DevIdentityProvider
from hub.audit.signing import load_signer
from hub.settings import Settings


def test_every_key_and_key_folder_is_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "fresh" / "data")
    DevIdentityProvider.for_settings(settings)
    load_signer(settings)
    files = [p for p in settings.data_dir.rglob("*") if p.is_file()]
    folders = [p for p in settings.data_dir.rglob("*") if p.is_dir()]
    assert files and folders
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    for path in folders:
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path.name
