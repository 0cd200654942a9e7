"""``/api/v1/docs``: Swagger UI from files the hub serves itself, no CDN.

The Swagger UI build comes with the ``fastapi-offline`` package; the page and its start
script are ours (``api/static``), so the page holds no inline script and the hub's
Content-Security-Policy stands.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from api import static
from hub.errors import NotFound

DOCS_PATH = "/api/v1/docs"
ASSETS_PATH = f"{DOCS_PATH}/assets"

router = APIRouter(include_in_schema=False, tags=["docs"])

_SWAGGER = Path(fastapi_offline.__file__).resolve().parent / "static"
_OURS = Path(str(files(static)))
ASSETS: dict[str, tuple[Path, str]] = {
    "swagger-ui-bundle.js": (_SWAGGER / "swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": (_SWAGGER / "swagger-ui.css", "text/css"),
    "favicon.png": (_SWAGGER / "favicon.png", "image/png"),
    "swagger-init.js": (_OURS / "swagger-init.js", "text/javascript"),
}

PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Betrokken hub API</title>
<link rel="icon" type="image/png" href="{ASSETS_PATH}/favicon.png">
<link rel="stylesheet" href="{ASSETS_PATH}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script src="{ASSETS_PATH}/swagger-init.js"></script>
</body>
</html>
"""


@router.get(DOCS_PATH)
async def docs() -> HTMLResponse:
    return HTMLResponse(PAGE)


@router.get(f"{ASSETS_PATH}/{{name}}")
async def docs_asset(name: str) -> FileResponse:
    found = ASSETS.get(name)
    if found is None:
        raise NotFound("the API docs have no such file")
    path, media_type = found
    return FileResponse(
        path, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"}
    )
