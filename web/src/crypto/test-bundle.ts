/**
 * Entry of dist/test/crypto.js: the app's own crypto for tests and the bench, which load it
 * into a page and compare with the Python client. The app never loads this file.
 */

import { fromBase64Url, toBase64Url } from "./base64url";
import { looksLikeIdentifier, parseIdentifier, poprfInfo, type IdentifierKind } from "./identifiers";
import { blind as blindBytes, finalize as finalizeBytes, pseudonymise } from "./pseudonymise";
import { verifyCheckpoint } from "../console/proof/checkpoint";
import { ProofError } from "../console/proof/errors";
import { toHex } from "../console/proof/merkle";
import { verifyEntryProof, type InclusionProofBody } from "../console/proof/verify";

const encoder = new TextEncoder();

/** Blind a validated identifier; every value base64url so a test can pass it around. */
function blind(kind: IdentifierKind, value: string, epoch: string, publicKey: string) {
  const identifier = parseIdentifier(kind, value);
  const state = blindBytes(encoder.encode(identifier.value), poprfInfo(kind, epoch), fromBase64Url(publicKey));
  return {
    blind: toBase64Url(state.blind),
    blinded: toBase64Url(state.blinded),
    tweakedKey: toBase64Url(state.tweakedKey),
  };
}

/** Verify and finalize what `blind` started; returns the pseudonym. */
function finalize(
  kind: IdentifierKind,
  value: string,
  epoch: string,
  state: { blind: string; blinded: string; tweakedKey: string },
  evaluated: string,
  proof: string,
): string {
  const identifier = parseIdentifier(kind, value);
  const output = finalizeBytes(
    encoder.encode(identifier.value),
    poprfInfo(kind, epoch),
    {
      blind: fromBase64Url(state.blind),
      blinded: fromBase64Url(state.blinded),
      tweakedKey: fromBase64Url(state.tweakedKey),
    },
    fromBase64Url(evaluated),
    fromBase64Url(proof),
  );
  return toBase64Url(output);
}

(window as unknown as { betrokkenCrypto: unknown }).betrokkenCrypto = {
  parseIdentifier,
  looksLikeIdentifier,
  poprfInfo,
  pseudonymise,
  blind,
  finalize,
  toBase64Url,
  fromBase64Url,
};

/** The console's proof checks, each as `{ok: true, ...}` or `{ok: false, problem}`, so a test
 * compares verdicts with crypto/checkpoint.py and crypto/merkle.py. */
function verdict(check: () => { size: number; rootHash: Uint8Array; origin: string }) {
  try {
    const checkpoint = check();
    return { ok: true, size: checkpoint.size, root: toHex(checkpoint.rootHash), origin: checkpoint.origin };
  } catch (error) {
    if (error instanceof ProofError) return { ok: false, problem: error.problem, message: error.message };
    throw error;
  }
}

(window as unknown as { betrokkenProof: unknown }).betrokkenProof = {
  verifyCheckpoint: (note: string, key: string) => verdict(() => verifyCheckpoint(note, key)),
  verifyEntryProof: (body: InclusionProofBody, key: string) => verdict(() => verifyEntryProof(body, key)),
};
