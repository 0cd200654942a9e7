/**
 * RFC 9162 Merkle tree hashing and inclusion proofs, as crypto/merkle.py computes them, so
 * the browser checks an entry's place in a signed tree without trusting the hub's word.
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { ProofError } from "./errors";

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;
export const HASH_SIZE = 32;

const encoder = new TextEncoder();

/** SHA-256(0x00 || leaf). */
export function hashLeaf(leaf: string | Uint8Array): Uint8Array {
  const bytes = typeof leaf === "string" ? encoder.encode(leaf) : leaf;
  return sha256(concat(Uint8Array.of(LEAF_PREFIX), bytes));
}

/** SHA-256(0x01 || left || right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(concat(Uint8Array.of(NODE_PREFIX), left, right));
}

/** The root an inclusion proof implies (RFC 9162 §2.1.3.2); throws on a proof of the wrong shape. */
export function rootFromInclusionProof(
  leafHash: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
): Uint8Array {
  checkHash(leafHash, "leaf hash");
  proof.forEach((node, position) => checkHash(node, `proof element ${position}`));
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || index >= treeSize) {
    throw new ProofError("shape", `leaf index ${index} is not inside a tree of size ${treeSize}`);
  }
  // BigInt: leaf indexes may pass 2^31, where JavaScript's bit operators stop.
  let fn = BigInt(index);
  let sn = BigInt(treeSize - 1);
  let root = leafHash;
  for (const node of proof) {
    if (sn === 0n) throw new ProofError("shape", "inclusion proof is too long");
    if (fn & 1n || fn === sn) {
      root = hashChildren(node, root);
      while (fn !== 0n && (fn & 1n) === 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      root = hashChildren(root, node);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new ProofError("shape", "inclusion proof is too short");
  return root;
}

/** Throws unless `leafHash` is leaf `index` of the tree of `treeSize` whose root is `root`. */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  checkHash(root, "root hash");
  if (!equalBytes(rootFromInclusionProof(leafHash, index, treeSize, proof), root)) {
    throw new ProofError("root", `inclusion proof for leaf ${index} does not lead to the signed root`);
  }
}

function checkHash(value: Uint8Array, what: string): void {
  if (value.length !== HASH_SIZE) throw new ProofError("shape", `${what} must be ${HASH_SIZE} bytes`);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** Lowercase hex only, of `size` bytes (as the hub writes hashes). */
export function fromHex(hex: string, size = HASH_SIZE): Uint8Array {
  if (hex.length !== 2 * size || !/^[0-9a-f]*$/.test(hex)) throw new ProofError("shape", `not a ${size}-byte lowercase hex hash`);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
