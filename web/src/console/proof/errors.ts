/** Why a proof or checkpoint does not verify: a code the screen words, and a message for the record. */
export type ProofProblem = "shape" | "root" | "leaf" | "checkpoint" | "signature" | "key" | "size";

export class ProofError extends Error {
  constructor(
    readonly problem: ProofProblem,
    message: string,
  ) {
    super(message);
    this.name = "ProofError";
  }
}
