/**
 * C2SP signed-note checkpoints with Ed25519, verified in the browser exactly as
 * crypto/checkpoint.py does: the strict body, the key id, every signature by the key.
 */

import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { ProofError } from "./errors";
import { concat, equalBytes, HASH_SIZE } from "./merkle";

const ED25519 = 0x01;
const SIGNATURE_PREFIX = "\u2014 ";
const MAX_SIGNATURES = 100;
const KEY_ID_SIZE = 4;
const PUBLIC_KEY_SIZE = 32;
const SIGNATURE_SIZE = 64;
const CANONICAL_DECIMAL = /^(0|[1-9][0-9]*)$/;
const MAX_TREE_SIZE = 2n ** 64n - 1n;

const encoder = new TextEncoder();

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly extensions: readonly string[];
}

export interface VerifierKey {
  readonly name: string;
  readonly keyId: Uint8Array;
  readonly publicKey: Uint8Array;
}

interface NoteSignature {
  readonly keyName: string;
  readonly keyId: Uint8Array;
  readonly signature: Uint8Array;
}

function hasControl(text: string, allowNewline: boolean): boolean {
  for (const character of text) if (character < " " && !(allowNewline && character === "\n")) return true;
  return false;
}

function checkKeyName(name: string): void {
  if (!name || hasControl(name, false) || name.includes("+") || /\s/u.test(name)) {
    throw new ProofError("key", "key name is empty or holds a space, '+' or a control character");
  }
}

/** Standard base64 with padding, in its canonical form only (one text per value). */
function decodeBase64(value: string, what: string): Uint8Array {
  let binary: string;
  try {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) throw new Error();
    binary = atob(value);
  } catch {
    throw new ProofError("shape", `${what} is not valid base64`);
  }
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  if (encodeBase64(bytes) !== value) throw new ProofError("shape", `${what} is not canonical base64`);
  return bytes;
}

function encodeBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** SHA-256(name || "\n" || 0x01 || public key)[:4]. */
export function keyId(name: string, publicKey: Uint8Array): Uint8Array {
  checkKeyName(name);
  return sha256(concat(encoder.encode(name + "\n"), Uint8Array.of(ED25519), publicKey)).slice(0, KEY_ID_SIZE);
}

/** `<name>+<hex key id>+<base64(0x01 || public key)>`; the key id must match. */
export function parseVerifierKey(text: string): VerifierKey {
  const first = text.indexOf("+");
  const second = first < 0 ? -1 : text.indexOf("+", first + 1);
  if (second < 0) throw new ProofError("key", "verifier key is not of the form <name>+<key id>+<key>");
  const [name, hexId, encoded] = [text.slice(0, first), text.slice(first + 1, second), text.slice(second + 1)];
  checkKeyName(name);
  if (!/^[0-9a-f]{8}$/.test(hexId)) throw new ProofError("key", "verifier key id is not 8 lowercase hex digits");
  const data = decodeBase64(encoded, "verifier public key");
  if (data[0] !== ED25519) throw new ProofError("key", "verifier key is not an Ed25519 key");
  const publicKey = data.slice(1);
  if (publicKey.length !== PUBLIC_KEY_SIZE) throw new ProofError("key", "verifier public key is not 32 bytes");
  const id = keyId(name, publicKey);
  if (hexOf(id) !== hexId) throw new ProofError("key", "verifier key id does not match its name and public key");
  return { name, keyId: id, publicKey };
}

function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function body(checkpoint: Checkpoint): string {
  const lines = [checkpoint.origin, String(checkpoint.size), encodeBase64(checkpoint.rootHash), ...checkpoint.extensions];
  return lines.map((line) => line + "\n").join("");
}

function parseBody(text: string): Checkpoint {
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3) throw new ProofError("checkpoint", "checkpoint body needs origin, tree size and root hash lines");
  const [origin = "", sizeLine = "", rootLine = "", ...extensions] = lines;
  for (const line of [origin, ...extensions]) if (!line) throw new ProofError("checkpoint", "a checkpoint line is empty");
  if (!CANONICAL_DECIMAL.test(sizeLine)) throw new ProofError("checkpoint", "tree size is not a canonical decimal number");
  if (BigInt(sizeLine) > MAX_TREE_SIZE) throw new ProofError("checkpoint", "tree size is outside 0..2^64-1");
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) throw new ProofError("checkpoint", "tree size is too large for this page");
  const rootHash = decodeBase64(rootLine, "root hash");
  if (rootHash.length !== HASH_SIZE) throw new ProofError("checkpoint", "root hash is not 32 bytes");
  return { origin, size, rootHash, extensions };
}

function parseSignatureLine(line: string, number: number): NoteSignature {
  if (!line.startsWith(SIGNATURE_PREFIX)) throw new ProofError("checkpoint", `signature line ${number} does not start with an em dash`);
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(" ");
  if (space < 0) throw new ProofError("checkpoint", `signature line ${number} has no signature`);
  const keyName = rest.slice(0, space);
  checkKeyName(keyName);
  const raw = decodeBase64(rest.slice(space + 1), `signature ${number}`);
  if (raw.length <= KEY_ID_SIZE) throw new ProofError("checkpoint", `signature ${number} is too short`);
  return { keyName, keyId: raw.slice(0, KEY_ID_SIZE), signature: raw.slice(KEY_ID_SIZE) };
}

/** The checkpoint and signature lines of a signed note, not yet verified. */
export function parseSignedCheckpoint(text: string): { checkpoint: Checkpoint; signatures: NoteSignature[] } {
  if (hasControl(text, true)) throw new ProofError("checkpoint", "signed checkpoint contains a control character");
  const split = text.lastIndexOf("\n\n");
  if (split < 0) throw new ProofError("checkpoint", "signed checkpoint has no blank line before its signatures");
  const bodyText = text.slice(0, split + 1);
  const block = text.slice(split + 2);
  if (bodyText.includes("\n\n") || bodyText.startsWith("\n")) throw new ProofError("checkpoint", "checkpoint body contains an empty line");
  if (!block) throw new ProofError("checkpoint", "signed checkpoint has no signature");
  if (!block.endsWith("\n")) throw new ProofError("checkpoint", "signed checkpoint has trailing data after its last newline");
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > MAX_SIGNATURES) throw new ProofError("checkpoint", "signed checkpoint has too many signatures");
  const checkpoint = parseBody(bodyText);
  // What is verified is the canonical body: it must be byte for byte the text received.
  if (body(checkpoint) !== bodyText) throw new ProofError("checkpoint", "checkpoint body is not in canonical form");
  return { checkpoint, signatures: lines.map((line, n) => parseSignatureLine(line, n + 1)) };
}

/** The checkpoint, once every signature by `verifierKey` on it verifies (at least one). */
export function verifyCheckpoint(text: string, verifierKey: string, expectedOrigin?: string): Checkpoint {
  const key = parseVerifierKey(verifierKey);
  const { checkpoint, signatures } = parseSignedCheckpoint(text);
  const message = encoder.encode(body(checkpoint));
  let verified = 0;
  for (const signature of signatures) {
    if (signature.keyName !== key.name || !equalBytes(signature.keyId, key.keyId)) continue;
    if (signature.signature.length !== SIGNATURE_SIZE) throw new ProofError("signature", `signature by ${key.name} is not 64 bytes`);
    let valid = false;
    try {
      valid = ed25519.verify(signature.signature, message, key.publicKey, { zip215: false });
    } catch {
      valid = false;
    }
    if (!valid) throw new ProofError("signature", `signature by ${key.name} does not verify`);
    verified += 1;
  }
  if (!verified) throw new ProofError("signature", `checkpoint has no signature by key ${key.name}`);
  if (expectedOrigin !== undefined && checkpoint.origin !== expectedOrigin) {
    throw new ProofError("checkpoint", `checkpoint origin is not ${expectedOrigin}`);
  }
  return checkpoint;
}
