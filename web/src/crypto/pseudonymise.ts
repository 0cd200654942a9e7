/**
 * Pseudonymisation in the browser, mirroring api/client/pseudonymise.py: validate → blind →
 * the pseudonymiser evaluates → verify its proof against the epoch's public key → finalize.
 * Only the blinded element leaves the browser; only the pseudonym goes to the hub.
 */

import { ristretto255_oprf } from "@noble/curves/ed25519.js";
import { fromBase64Url, toBase64Url } from "./base64url";
import { parseIdentifier, poprfInfo, type IdentifierKind } from "./identifiers";

export interface Pseudonym {
  readonly kind: IdentifierKind;
  readonly epoch: string;
  readonly pseudonym: string;
}

export interface PseudonymiserOptions {
  readonly pseudonymiserUrl: string;
  readonly token: string;
  /** The key epoch; the pseudonymiser's current one when absent or null. */
  readonly epoch?: string | null;
  readonly fetch?: typeof fetch;
}

/** Why pseudonymisation failed, as a code the UI translates (the value is never in it). */
export type PseudonymiserProblem = "unauthenticated" | "refused" | "no_key" | "unverified" | "offline";

export class PseudonymiserError extends Error {
  constructor(
    readonly problem: PseudonymiserProblem,
    readonly status?: number,
    readonly body?: unknown,
  ) {
    super(`pseudonymiser: ${problem}`);
    this.name = "PseudonymiserError";
  }
}

interface Keys {
  readonly current: string;
  readonly byEpoch: ReadonlyMap<string, Uint8Array>;
}

const encoder = new TextEncoder();

/** The client side of one POPRF run; `blind` is secret and stays in memory. */
export interface Blinded {
  readonly blind: Uint8Array;
  readonly blinded: Uint8Array;
  readonly tweakedKey: Uint8Array;
}

export function blind(input: Uint8Array, info: string, publicKey: Uint8Array): Blinded {
  const { blind, blinded, tweakedKey } = ristretto255_oprf.poprf(encoder.encode(info)).blind(input, publicKey);
  return { blind, blinded, tweakedKey };
}

/** Verify the proof and unblind; throws PseudonymiserError("unverified") if it fails. */
export function finalize(
  input: Uint8Array,
  info: string,
  state: Blinded,
  evaluated: Uint8Array,
  proof: Uint8Array,
): Uint8Array {
  try {
    return ristretto255_oprf
      .poprf(encoder.encode(info))
      .finalize(input, state.blind, evaluated, state.blinded, proof, state.tweakedKey);
  } catch {
    throw new PseudonymiserError("unverified");
  }
}

// The public keys per pseudonymiser, fetched once per page: they change only with an epoch.
const keyCache = new Map<string, Promise<Keys>>();

async function call(
  options: PseudonymiserOptions,
  path: string,
  init: RequestInit = {},
): Promise<unknown> {
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(new URL(path, options.pseudonymiserUrl.replace(/\/?$/, "/")), {
      ...init,
      headers: { ...init.headers, Authorization: `Bearer ${options.token}` },
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    throw new PseudonymiserError("offline");
  }
  const body: unknown = await response.json().catch(() => null);
  if (response.status === 401) throw new PseudonymiserError("unauthenticated", 401, body);
  if (!response.ok) throw new PseudonymiserError("refused", response.status, body);
  return body;
}

function loadKeys(options: PseudonymiserOptions): Promise<Keys> {
  let keys = keyCache.get(options.pseudonymiserUrl);
  if (!keys) {
    keys = call(options, "api/v1/keys").then((body) => {
      const { current_epoch, keys } = body as { current_epoch: string; keys: { epoch: string; public_key: string }[] };
      return { current: current_epoch, byEpoch: new Map(keys.map((k) => [k.epoch, fromBase64Url(k.public_key)])) };
    });
    keys.catch(() => keyCache.delete(options.pseudonymiserUrl));
    keyCache.set(options.pseudonymiserUrl, keys);
  }
  return keys;
}

/** The pseudonym of one identifier; an invalid identifier throws IdentifierError before any request. */
export async function pseudonymise(
  kind: IdentifierKind,
  value: string,
  options: PseudonymiserOptions,
): Promise<Pseudonym> {
  const identifier = parseIdentifier(kind, value);
  try {
    return await evaluate(identifier.kind, identifier.value, options);
  } catch (error) {
    if (!(error instanceof PseudonymiserError) || (error.problem !== "unverified" && error.problem !== "no_key")) throw error;
    // The keys this page fetched earlier may be out of date (a new epoch, a new key): once
    // more with fresh ones, and the proof must then verify against those.
    keyCache.delete(options.pseudonymiserUrl);
    return evaluate(identifier.kind, identifier.value, options);
  }
}

async function evaluate(kind: IdentifierKind, value: string, options: PseudonymiserOptions): Promise<Pseudonym> {
  const keys = await loadKeys(options);
  const epoch = options.epoch ?? keys.current;
  const publicKey = keys.byEpoch.get(epoch);
  if (!publicKey) throw new PseudonymiserError("no_key");
  const info = poprfInfo(kind, epoch);
  const input = encoder.encode(value);
  const state = blind(input, info, publicKey);
  const body = (await call(options, "api/v1/evaluations", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ kind, epoch, blinded_elements: [toBase64Url(state.blinded)] }),
  })) as { evaluated_elements?: unknown; proof?: unknown };
  const [evaluated] = Array.isArray(body.evaluated_elements) ? body.evaluated_elements : [];
  if (typeof evaluated !== "string" || typeof body.proof !== "string") throw new PseudonymiserError("unverified");
  let output: Uint8Array;
  try {
    output = finalize(input, info, state, fromBase64Url(evaluated), fromBase64Url(body.proof));
  } catch (error) {
    throw error instanceof PseudonymiserError ? error : new PseudonymiserError("unverified");
  } finally {
    input.fill(0);
    state.blind.fill(0);
  }
  return { kind, epoch, pseudonym: toBase64Url(output) };
}
