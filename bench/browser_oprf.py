"""The client side of pseudonymisation in the browser against the Python client's.

    python -m bench.browser_oprf                      # 200 identifiers, 5 rounds
    python -m bench.browser_oprf --identifiers 50 --rounds 2

Per identifier (a synthetic BSN, POPRF ristretto255-SHA512, info ``bsn|2026``) it times
the work of the client: *blind*, then *verify* the pseudonymiser's proof and *finalize*.
In Chromium (Debian's, headless, through Playwright) that is the app's own code as the web
build ships it for tests (``web/dist/test/crypto.js``: @noble/curves); in Python it is
``crypto.oprf`` (libsodium), as ``api.client.pseudonymise`` calls it. Both sides get the
same inputs and a batch of one per identifier, as the app sends it. The evaluation in
between is done here with ``crypto.oprf.blind_evaluate_batch`` and a key made for the run
(no pseudonymiser process: its time is not the client's), and is not timed. Every
browser pseudonym is checked against the Python client's and against ``crypto.oprf.evaluate``
with the secret key, so the figure is of code that computes the right thing.

The page is a blank one on a loopback origin that Playwright answers itself (nothing
listens there); the script is put in as an inline script, which that page allows. The
figures are medians over rounds (each round times every identifier once, after a warm-up
round), printed and written to ``bench/results/browser-oprf-<UTC timestamp>.json``.
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser

from bench.run import DEFAULT_RESULTS_DIR, machine
from crypto import oprf
from crypto.identifiers import IdentifierKind, poprf_info, synthetic_bsn
from testsupport.browser import ROOT, chromium, new_context

CRYPTO_JS = ROOT / "web" / "dist" / "test" / "crypto.js"
EPOCH = "2026"
ORIGIN = "http://127.0.0.1:9"  # answered by Playwright's router; port 9 is never contacted

_BROWSER_BLIND = """
([values, epoch, publicKey]) => {
  const start = performance.now();
  const states = values.map((value) => betrokkenCrypto.blind('bsn', value, epoch, publicKey));
  return {ms: performance.now() - start, states};
}
"""
_BROWSER_FINALIZE = """
([values, epoch, states, evaluated, proofs]) => {
  const start = performance.now();
  const pseudonyms = values.map((value, i) =>
    betrokkenCrypto.finalize('bsn', value, epoch, states[i], evaluated[i], proofs[i]));
  return {ms: performance.now() - start, pseudonyms};
}
"""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _evaluate(key: oprf.KeyPair, blinded: list[bytes], info: bytes) -> list[tuple[bytes, bytes]]:
    """The pseudonymiser's part, one batch of one per identifier: (evaluated, proof)."""
    answers = []
    for element in blinded:
        evaluated, proof = oprf.blind_evaluate_batch(
            key.secret, [element], mode=oprf.Mode.POPRF, public_key=key.public, info=info
        )
        assert proof is not None
        answers.append((evaluated[0], proof))
    return answers


def python_round(
    key: oprf.KeyPair, values: list[str], info: bytes
) -> tuple[float, float, list[str]]:
    """The Python client on every value: seconds to blind all, to verify and finalize all,
    and the pseudonyms."""
    inputs = [value.encode("ascii") for value in values]
    start = time.perf_counter()
    pairs = [oprf.blind(x, oprf.Mode.POPRF) for x in inputs]
    blind_seconds = time.perf_counter() - start
    answers = _evaluate(key, [blinded for _, blinded in pairs], info)
    start = time.perf_counter()
    outputs = [
        oprf.verify_and_finalize_batch(
            [x],
            [r],
            [blinded],
            [evaluated],
            proof,
            mode=oprf.Mode.POPRF,
            public_key=key.public,
            info=info,
        )[0]
        for x, (r, blinded), (evaluated, proof) in zip(inputs, pairs, answers, strict=True)
    ]
    finalize_seconds = time.perf_counter() - start
    return blind_seconds, finalize_seconds, [_b64(output) for output in outputs]


def browser_round(
    page: Any, key: oprf.KeyPair, values: list[str], info: bytes
) -> tuple[float, float, list[str]]:
    """The browser on every value: seconds to blind all, to verify and finalize all, and
    the pseudonyms."""
    blinded = page.evaluate(_BROWSER_BLIND, [values, EPOCH, _b64(key.public)])
    answers = _evaluate(key, [_unb64(state["blinded"]) for state in blinded["states"]], info)
    finalized = page.evaluate(
        _BROWSER_FINALIZE,
        [
            values,
            EPOCH,
            blinded["states"],
            [_b64(evaluated) for evaluated, _ in answers],
            [_b64(proof) for _, proof in answers],
        ],
    )
    return blinded["ms"] / 1000, finalized["ms"] / 1000, list(finalized["pseudonyms"])


def measure(
    identifiers: int, rounds: int, crypto_js: Path = CRYPTO_JS, browser: Browser | None = None
) -> dict[str, Any]:
    """Both clients on the same identifiers; microseconds per identifier (medians). In
    ``browser`` if given (a test's), else in a Chromium of its own."""
    if not crypto_js.exists():
        raise SystemExit(f"{crypto_js} is missing: build the web app first (`make web`)")
    if browser is None:
        with chromium() as own:
            return measure(identifiers, rounds, crypto_js, own)
    values = [synthetic_bsn(n) for n in range(identifiers)]
    info = poprf_info(IdentifierKind.BSN, EPOCH)
    key = oprf.generate_key_pair()
    expected = [
        _b64(oprf.evaluate(key.secret, value.encode(), mode=oprf.Mode.POPRF, info=info))
        for value in values
    ]
    timings: dict[str, dict[str, list[float]]] = {
        side: {"blind": [], "verify_finalize": []} for side in ("browser", "python")
    }
    version = browser.version
    context = new_context(browser, "desktop")
    try:
        page = context.new_page()
        page.route(
            f"{ORIGIN}/**",
            lambda route: route.fulfill(
                status=200, content_type="text/html", body="<!doctype html><title>bench</title>"
            ),
        )
        page.goto(f"{ORIGIN}/bench.html")
        page.add_script_tag(content=crypto_js.read_text(encoding="utf-8"))
        for round_ in range(rounds + 1):  # the first round warms up the JIT and the caches
            for side in ("browser", "python"):
                if side == "browser":
                    blind_s, finalize_s, pseudonyms = browser_round(page, key, values, info)
                else:
                    blind_s, finalize_s, pseudonyms = python_round(key, values, info)
                if pseudonyms != expected:
                    raise AssertionError(f"the {side} client's pseudonyms are not the PRF's")
                if round_:
                    timings[side]["blind"].append(blind_s / identifiers * 1e6)
                    timings[side]["verify_finalize"].append(finalize_s / identifiers * 1e6)
    finally:
        context.close()
    figures: dict[str, Any] = {}
    for side, phases in timings.items():
        blind_us = statistics.median(phases["blind"])
        finalize_us = statistics.median(phases["verify_finalize"])
        figures[side] = {
            "blind_us": round(blind_us, 1),
            "verify_finalize_us": round(finalize_us, 1),
            "total_us": round(blind_us + finalize_us, 1),
            "rounds_total_us": [
                round(b + f, 1)
                for b, f in zip(phases["blind"], phases["verify_finalize"], strict=True)
            ],
        }
    figures["ratio_browser_to_python"] = round(
        figures["browser"]["total_us"] / figures["python"]["total_us"], 2
    )
    return {
        "identifiers": identifiers,
        "rounds": rounds,
        "chromium": version,
        "pseudonyms_equal": True,
        "figures": figures,
    }


def main(argv: list[str] | None = None, *, browser: Browser | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        prog="python -m bench.browser_oprf", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--identifiers", type=int, default=200, help="identifiers per round")
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds (median)")
    parser.add_argument("--results-dir", type=Path, default=DEFAULT_RESULTS_DIR)
    parser.add_argument("--crypto-js", type=Path, default=CRYPTO_JS, help=argparse.SUPPRESS)
    ns = parser.parse_args(argv)
    started = datetime.now(UTC)
    data = {
        "started": started.isoformat(),
        "machine": machine(),
        **measure(ns.identifiers, ns.rounds, ns.crypto_js, browser),
    }
    figures = data["figures"]
    print(f"client side per identifier, {ns.identifiers} identifiers, median of {ns.rounds}:")
    for side in ("browser", "python"):
        f = figures[side]
        print(
            f"  {side:<8} blind {f['blind_us']:8.1f} µs  verify+finalize "
            f"{f['verify_finalize_us']:8.1f} µs  total {f['total_us']:8.1f} µs"
        )
    ratio = figures["ratio_browser_to_python"]
    print(f"  browser / python: {ratio}  (Chromium {data['chromium']})")
    ns.results_dir.mkdir(parents=True, exist_ok=True)
    path = ns.results_dir / f"browser-oprf-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(data, indent=2) + "\n")
    data["result_file"] = str(path)
    print(f"written to {path}")
    return data


if __name__ == "__main__":
    main()
