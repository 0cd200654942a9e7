"""Field types that the request schemas and query parameters share.

Every bound a caller's input must keep is declared here once, so that the schemas, the
routes and the OpenAPI document agree on it.
"""

from __future__ import annotations

from typing import Final

MAX_POSITION: Final = 2**53 - 1
"""The largest offset, sequence number, tree index or tree size a caller may send.

It is the largest integer that every JSON client reads exactly (JavaScript's
``Number.MAX_SAFE_INTEGER``), and far below what the databases hold (PostgreSQL's
``bigint`` and SQLite's integers end at 2**63-1): a larger value would reach the driver
and fail there as a 500 instead of a 422.
"""
