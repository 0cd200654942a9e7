"""A kept bench cluster is reused only for the same size, seed and schema."""

from __future__ import annotations

import json
from pathlib import Path

from bench.run import kept_seeding
from hub.migrate import head_revision


def test_a_kept_cluster_fits_only_the_same_size_seed_and_schema(tmp_path: Path) -> None:
    meta_path = tmp_path / "seeded.json"
    assert kept_seeding(meta_path, flags=1000, seed="s") is None  # nothing kept

    meta = {"flags": 1000, "seed": "s", "schema": head_revision(), "seconds": 1.0}
    meta_path.write_text(json.dumps(meta))
    assert kept_seeding(meta_path, flags=1000, seed="s") == meta
    assert kept_seeding(meta_path, flags=2000, seed="s") is None
    assert kept_seeding(meta_path, flags=1000, seed="other") is None

    assert kept_seeding(meta_path, flags=1000, seed="s", due_share=0.05) is None
    meta_path.write_text(json.dumps({**meta, "due_share": 0.05}))
    assert kept_seeding(meta_path, flags=1000, seed="s", due_share=0.05) is not None

    assert kept_seeding(meta_path, flags=1000, seed="s", audit_entries=5000) is None
    meta_path.write_text(json.dumps({**meta, "audit_entries": 5000}))
    assert kept_seeding(meta_path, flags=1000, seed="s", audit_entries=5000) is not None
    assert kept_seeding(meta_path, flags=1000, seed="s") is None

    meta_path.write_text(json.dumps({**meta, "schema": "0001"}))  # seeded before a migration
    assert kept_seeding(meta_path, flags=1000, seed="s") is None
    meta_path.write_text(json.dumps({key: meta[key] for key in ("flags", "seed", "seconds")}))
    assert kept_seeding(meta_path, flags=1000, seed="s") is None  # kept by an older bench
