"""Log lines: one JSON object per line in production, readable text in development.

Every line carries the request id and trace id of the request it was written in (context
variables set by the HTTP layer), and the route template, status and duration where the
line is about a request. No line holds an identifier: the code never logs one (STYLE.md
rule 9), and as a last guard the message and any traceback are scrubbed of digit runs that
could be a BSN, BAG id or KvK number and of long base64url strings (pseudonyms, tokens).
"""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from hub.telemetry import current_trace_id

REQUEST_ID: ContextVar[str | None] = ContextVar("betrokken_request_id", default=None)
"""The id of the request being served (``X-Request-Id`` when valid, else a fresh one)."""

REQUEST_FIELDS = ("route", "status", "duration_ms")
"""``extra`` fields of a request's line, written when present."""

REDACTED = "[redacted]"
# Eight or more digits, whatever separates them (as crypto.identifiers.looks_like_identifier
# counts them), and base64url runs as long as a pseudonym's or a token's parts.
_DIGIT_RUN = re.compile(r"\d(?:[^\w]*\d){7,}")
_LONG_TOKEN = re.compile(r"[A-Za-z0-9_-]{40,}")


def scrub(text: str) -> str:
    """``text`` without anything that could be an identifier, a pseudonym or a token."""
    return _LONG_TOKEN.sub(REDACTED, _DIGIT_RUN.sub(REDACTED, text))


def _message(record: logging.LogRecord) -> str:
    """The record's message, scrubbed unless uvicorn wrote it (its own words and addresses,
    ``Uvicorn running on http://127.0.0.1:8000``, never a request's content)."""
    message = record.getMessage()
    return message if record.name.startswith("uvicorn.") else scrub(message)


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "request_id", "trace_id", ...}`` per line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": _message(record),
            "request_id": REQUEST_ID.get(),
            "trace_id": current_trace_id(),
        }
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


class TextFormatter(logging.Formatter):
    """``time level logger: message [request ...]`` for a person reading a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = _message(record)
        text = super().formatMessage(record)
        request_id = REQUEST_ID.get()
        return f"{text} [request {request_id}]" if request_id else text

    def formatException(self, ei: Any) -> str:
        return scrub(super().formatException(ei))


def logging_config(*, json_lines: bool, level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the hub and the pseudonymiser, uvicorn's loggers
    included (``uvicorn.run(log_config=...)`` applies it in every worker)."""
    formatter = "json" if json_lines else "text"
    handler = {
        "class": "logging.StreamHandler",
        "formatter": formatter,
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": "hub.logs.JsonFormatter"},
            "text": {"()": "hub.logs.TextFormatter"},
        },
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            name: {"handlers": [], "level": level, "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "betrokken", "hub", "api")
        },
    }
