"""The Kubernetes example (deploy/kubernetes) holds against the API schemas, and what it runs
and probes exists: the CLI commands, the health route, the ConfigMap's settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import kubernetes_validate
import pytest
import yaml

from api.cli import main as cli
from hub.settings import Settings

KUBERNETES = Path(__file__).parents[2] / "deploy" / "kubernetes"
VERSION = "1.31"  # a version the schemas of kubernetes-validate cover


def documents() -> list[dict[str, Any]]:
    found = []
    for path in sorted(KUBERNETES.glob("*.yaml")):
        found.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    return found


def containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    spec = doc.get("spec", {}).get("template", {}).get("spec", {})
    return [*spec.get("initContainers", []), *spec.get("containers", [])]


@pytest.mark.parametrize("doc", documents(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_every_manifest_holds_against_the_api_schema(doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, VERSION, strict=True)


def test_the_hub_runs_replicated_and_upgrades_without_downtime() -> None:
    (hub,) = [
        d for d in documents() if d["kind"] == "Deployment" and "hub" in d["metadata"]["name"]
    ]
    assert hub["spec"]["replicas"] >= 2
    assert hub["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    (pdb,) = [d for d in documents() if d["kind"] == "PodDisruptionBudget"]
    assert pdb["spec"]["minAvailable"] < hub["spec"]["replicas"]


def test_the_jobs_run_in_pods_that_serve_nothing() -> None:
    deployments = {d["metadata"]["name"]: d for d in documents() if d["kind"] == "Deployment"}
    (hub,) = containers(deployments["betrokken-hub"])
    (jobs,) = containers(deployments["betrokken-jobs"])
    assert {"name": "BETROKKEN_BACKGROUND_JOBS", "value": "false"} in hub["env"]
    assert jobs["command"] == ["betrokken", "jobs"]
    assert "ports" not in jobs and "readinessProbe" not in jobs
    assert jobs["volumeMounts"] == hub["volumeMounts"]  # the hub's keys


def test_every_command_and_probe_exists() -> None:
    context = click.Context(cli)
    for doc in documents():
        for container in containers(doc):
            command = container["command"]
            assert command[0] == "betrokken"
            group: click.Command = cli
            for word in command[1:]:
                if word.startswith("-"):
                    break
                assert isinstance(group, click.Group), command
                found = group.get_command(context, word)
                assert found is not None, f"{command}: no command {word!r}"
                group = found
            for probe in ("readinessProbe", "livenessProbe"):
                if probe in container:
                    assert container[probe]["httpGet"]["path"] == "/api/v1/health"


def test_the_config_map_names_only_settings_the_services_read() -> None:
    (config,) = [d for d in documents() if d["kind"] == "ConfigMap"]
    known = {f"BETROKKEN_{name.upper()}" for name in Settings.model_fields}
    assert set(config["data"]) <= known
