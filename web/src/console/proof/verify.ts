/**
 * An entry's inclusion proof, checked in the browser against a checkpoint signed by the log's
 * key: the leaf hashes to its leaf hash, the note verifies, and the proof leads to its root.
 */

import { verifyCheckpoint, type Checkpoint } from "./checkpoint";
import { ProofError } from "./errors";
import { equalBytes, fromHex, hashLeaf, verifyInclusion } from "./merkle";

/** As GET /api/v1/audit/proofs/inclusion answers. */
export interface InclusionProofBody {
  readonly index: number;
  readonly size: number;
  readonly leaf: string;
  readonly leaf_hash: string;
  readonly proof: readonly string[];
  readonly checkpoint: { readonly note: string };
}

/** The signed checkpoint the entry is proven in; throws ProofError naming what fails. */
export function verifyEntryProof(body: InclusionProofBody, verifierKey: string): Checkpoint {
  const name = verifierKey.split("+", 1)[0];
  const checkpoint = verifyCheckpoint(body.checkpoint.note, verifierKey, name);
  if (checkpoint.size !== body.size) throw new ProofError("size", "the proof is for another tree size than its checkpoint");
  const leafHash = hashLeaf(body.leaf);
  if (!equalBytes(leafHash, fromHex(body.leaf_hash))) throw new ProofError("leaf", "the entry does not match its leaf hash");
  verifyInclusion(leafHash, body.index, body.size, body.proof.map((node) => fromHex(node)), checkpoint.rootHash);
  return checkpoint;
}
