"""``betrokken admin apply FILE``: an organisation, its domains and teams from one file.

What exists is left as it is, so running it again changes nothing: the deployment's
onboarding job (deploy/compose.yaml) runs it on every start. Through the admin API, as a hub
operator (``--token``, or client credentials as the other admin commands).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import yaml

from api.cli.admin import admin, admin_options
from api.cli.client import friendly_errors
from api.client.hub import HubClient


def _read(path: Path) -> dict[str, Any]:
    try:
        found = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise click.ClickException(f"{path} cannot be read: {error}") from None
    if not isinstance(found, dict) or not isinstance(found.get("organisation"), dict):
        raise click.ClickException(f"{path} names no organisation (see deploy/onboarding.yaml)")
    return found


@admin.command("apply")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@admin_options
@friendly_errors
def apply_command(hub_url: str, token: str, as_json: bool, file: Path) -> None:
    """Create what FILE names and the hub lacks: domains, the organisation, its teams."""
    wanted = _read(file)
    organisation = wanted["organisation"]
    slug = organisation["slug"]
    done: list[dict[str, str]] = []
    with HubClient(hub_url, token) as hub:

        def ensure(kind: str, key: str, have: set[str], path: str, body: dict[str, Any]) -> None:
            made = key not in have
            if made:
                hub.call("POST", path, body)
            done.append({"kind": kind, "key": key, "result": "created" if made else "exists"})

        domains = {d["code"] for d in hub.call("GET", "/admin/domains")["items"]}
        for code, name in wanted.get("domains", {}).items():
            ensure("domain", code, domains, "/admin/domains", {"code": code, "name": name})
        organisations = {o["slug"] for o in hub.call("GET", "/admin/organisations")["items"]}
        ensure("organisation", slug, organisations, "/admin/organisations", organisation)
        teams_path = f"/admin/organisations/{slug}/teams"
        teams = {t["slug"] for t in hub.call("GET", teams_path)["items"]}
        for team in wanted.get("teams", []):
            ensure("team", team["slug"], teams, teams_path, team)
    if as_json:
        click.echo(json.dumps({"items": done}))
    else:
        for each in done:
            click.echo(f"{each['kind']} {each['key']}: {each['result']}")
