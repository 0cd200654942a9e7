"""`betrokken audit export` and `audit verify`: any tampering fails and names the place."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.auth.dev_idp import DevIdentityProvider
from api.cli import main
from crypto.audit_verify import AuditVerifyError, verify_export
from crypto.audit_verify import main as verify_main
from crypto.merkle import hash_leaf
from hub.background import sequencer_job
from hub.clock import FixedClock
from hub.runtime import Runtime
from hub.settings import Settings
from tests.audit.builders import cli_env
from tests.helpers import auth, check, opaque_pseudonym, register

ENTRIES = 14


def fill_log(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, clock: FixedClock
) -> None:
    """Registrations, checks and a refusal, with checkpoints signed along the way."""
    bram = auth(idp, "bram", "schuldhulp")
    anna = auth(idp, "anna", "pw-handhaving")
    for n in range(4):
        assert (
            register(
                client, bram, opaque_pseudonym(f"e{n}"), purpose="schuldhulpverlening"
            ).status_code
            == 201
        )
    sequencer_job(runtime, force_checkpoint=True)
    for n in range(6):
        clock.advance(timedelta(minutes=3))
        check(client, anna, opaque_pseudonym(f"e{n}"), purpose="rechtmatigheid")
    sequencer_job(runtime, force_checkpoint=True)
    check(client, anna, opaque_pseudonym("e1"), purpose="adreskwaliteit")  # refused
    for n in range(3):
        check(client, anna, opaque_pseudonym(f"f{n}"), purpose="rechtmatigheid")
    sequencer_job(runtime, force_checkpoint=True)


@pytest.fixture
def exported(
    client: TestClient,
    idp: DevIdentityProvider,
    runtime: Runtime,
    clock: FixedClock,
    settings: Settings,
    tmp_path: Path,
) -> tuple[Path, str]:
    fill_log(client, idp, runtime, clock)
    runner = CliRunner()
    out = tmp_path / "export.json"
    result = runner.invoke(main, ["audit", "export", "--out", str(out)], env=cli_env(settings))
    assert result.exit_code == 0, result.output
    key = runner.invoke(main, ["audit", "public-key"], env=cli_env(settings))
    assert key.exit_code == 0, key.output
    return out, key.output.strip()


def test_export_verifies_offline(exported: tuple[Path, str], runtime: Runtime) -> None:
    path, key = exported
    document = json.loads(path.read_text())
    # the export command audits itself, so the log has one entry more than the scenario
    assert len(document["entries"]) == ENTRIES + 1
    assert json.loads(document["entries"][-1]["leaf"])["action"] == "audit.export"
    assert len(document["checkpoints"]) == 4
    result = CliRunner().invoke(main, ["audit", "verify", str(path), "--public-key", key])
    assert result.exit_code == 0, result.output
    assert f"tree size {ENTRIES + 1}" in result.output
    assert key == runtime.audit_signer.verifier_key()


def test_verify_fails_with_exit_code_and_the_place(exported: tuple[Path, str]) -> None:
    path, key = exported
    document = json.loads(path.read_text())
    leaf = json.loads(document["entries"][5]["leaf"])
    leaf["purpose"] = "hulpverlening"
    document["entries"][5]["leaf"] = json.dumps(leaf, sort_keys=True, separators=(",", ":"))
    path.write_text(json.dumps(document))
    result = CliRunner().invoke(main, ["audit", "verify", str(path), "--public-key", key])
    assert result.exit_code == 1
    assert "entry 5:" in result.output
    # the standalone verifier (standard library + cryptography) says the same
    assert verify_main([str(path), "--public-key", key]) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # pure: one backend
def test_a_wrong_key_verifies_nothing(exported: tuple[Path, str], settings: Settings) -> None:
    from crypto.checkpoint import generate_signing_key, public_key_to_raw, verifier_key_string

    path, _ = exported
    other = verifier_key_string(
        settings.audit_origin, public_key_to_raw(generate_signing_key().public_key())
    )
    with pytest.raises(AuditVerifyError, match="checkpoint 0: checkpoint has no signature"):
        verify_export(json.loads(path.read_text()), other)


def _fails_at(document: dict[str, Any], key: str, *places: str) -> None:
    """Verification fails and names one of ``places``."""
    with pytest.raises(AuditVerifyError) as caught:
        verify_export(document, key)
    assert any(place in str(caught.value) for place in places), str(caught.value)


def _canonical(leaf: dict[str, Any]) -> str:
    return json.dumps(leaf, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # pure: one backend
def test_every_kind_of_tampering_is_caught_and_placed(exported: tuple[Path, str]) -> None:
    path, key = exported
    original = json.loads(path.read_text())
    verify_export(original, key)
    entries = original["entries"]
    count = len(entries)
    sizes = [int(note.split("\n")[1]) for note in original["checkpoints"]]

    def checkpoint_range(i: int) -> str:
        """The range the error names when entry i was changed together with its hash."""
        end = next(size for size in sizes if size > i)
        start = max([0, *(size for size in sizes if size <= i)])
        return f"entries {start}..{end - 1}"

    for i in range(count):
        # change one field of entry i
        changed = copy.deepcopy(original)
        leaf = json.loads(changed["entries"][i]["leaf"])
        leaf["at"] = "2030-01-01T00:00:00+00:00"
        changed["entries"][i]["leaf"] = _canonical(leaf)
        _fails_at(changed, key, f"entry {i}:")

        # ... and its leaf hash too: only the signed root can tell, so the range is named
        changed["entries"][i]["leaf_hash"] = hash_leaf(changed["entries"][i]["leaf"].encode()).hex()
        _fails_at(changed, key, checkpoint_range(i))

        # remove entry i
        removed = copy.deepcopy(original)
        del removed["entries"][i]
        _fails_at(removed, key, f"entry {i}:")

        # insert a forged entry before entry i, numbered to fit
        inserted = copy.deepcopy(original)
        forged = _canonical({**json.loads(entries[i]["leaf"]), "action": "flag.withdraw"})
        inserted["entries"].insert(
            i, {"index": i, "leaf": forged, "leaf_hash": hash_leaf(forged.encode()).hex()}
        )
        # the numbering betrays it at i + 1, unless a checkpoint closes right after it
        _fails_at(inserted, key, f"entry {i + 1}:", checkpoint_range(i))

        for j in range(i + 1, count):
            # swap entries i and j (whole objects: the numbering betrays it)
            swapped = copy.deepcopy(original)
            swapped["entries"][i], swapped["entries"][j] = entries[j], entries[i]
            _fails_at(swapped, key, f"entry {i}:")
            # swap only the contents, keeping the numbering: the signed root betrays it
            reordered = copy.deepcopy(original)
            for a, b in ((i, j), (j, i)):
                reordered["entries"][a] = {**entries[b], "index": a}
            _fails_at(reordered, key, checkpoint_range(i))

    # an entry appended after the last checkpoint is covered by none
    appended = copy.deepcopy(original)
    appended["entries"].append({**entries[-1], "index": count})
    _fails_at(appended, key, f"entry {count}: not covered by any checkpoint")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # pure: one backend
def test_every_changed_character_of_a_checkpoint_is_caught(exported: tuple[Path, str]) -> None:
    path, key = exported
    original = json.loads(path.read_text())
    for k, note in enumerate(original["checkpoints"]):
        for position, character in enumerate(note):
            tampered = copy.deepcopy(original)
            tampered["checkpoints"][k] = (
                note[:position] + chr(ord(character) ^ 1) + note[position + 1 :]
            )
            _fails_at(tampered, key, f"checkpoint {k}")
        dropped = copy.deepcopy(original)
        del dropped["checkpoints"][k]
        with pytest.raises(AuditVerifyError):
            verify_export(dropped, key)
    swapped = copy.deepcopy(original)
    swapped["checkpoints"][0], swapped["checkpoints"][1] = (
        original["checkpoints"][1],
        original["checkpoints"][0],
    )
    _fails_at(swapped, key, "checkpoint 1 (size")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # pure: one backend
def test_consistency_proofs_and_prefix_are_checked(exported: tuple[Path, str]) -> None:
    path, key = exported
    original = json.loads(path.read_text())
    for k, item in enumerate(original["consistency"]):
        for n in range(len(item["proof"])):
            tampered = copy.deepcopy(original)
            node = tampered["consistency"][k]["proof"][n]
            tampered["consistency"][k]["proof"][n] = ("0" if node[0] != "0" else "1") + node[1:]
            _fails_at(tampered, key, f"consistency proof {k}")


def test_a_ranged_export_verifies_from_its_prefix(
    exported: tuple[Path, str], settings: Settings, tmp_path: Path
) -> None:
    _, key = exported
    out = tmp_path / "ranged.json"
    runner = CliRunner()
    result = runner.invoke(
        main, ["audit", "export", "--out", str(out), "--from-index", "4"], env=cli_env(settings)
    )
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert document["start"] == 4 and document["entries"][0]["index"] == 4
    verify_export(document, key)
    document["prefix"][0] = "00" * 32
    _fails_at(document, key, "checkpoint 0")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # pure: one backend
def test_a_trusted_earlier_checkpoint_must_be_extended(exported: tuple[Path, str]) -> None:
    path, key = exported
    document = json.loads(path.read_text())
    kept = document["checkpoints"][1]
    verify_export(document, key, trusted=[kept])
    # a log rewritten from the start, with every checkpoint re-signed, is still caught by
    # the kept checkpoint: here simulated by an export that lost its early history
    shortened = copy.deepcopy(document)
    shortened["checkpoints"] = shortened["checkpoints"][2:]
    shortened["consistency"] = shortened["consistency"][2:]
    shortened["entries"][0]["leaf"] = shortened["entries"][0]["leaf"].replace("bram", "brAm")
    shortened["entries"][0]["leaf_hash"] = hash_leaf(shortened["entries"][0]["leaf"].encode()).hex()
    with pytest.raises(AuditVerifyError, match="trusted checkpoint 0"):
        verify_export(shortened, key, trusted=[kept])
