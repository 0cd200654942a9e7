/**
 * Every failure the screens show, as one type: a stable `code` (the hub's problem+json
 * code, or one of the app's own such as `offline`) that the UI turns into plain words.
 */

export interface FieldError {
  /** The field's path in the request body, e.g. "case_ref" or "contact.email". */
  readonly field: string;
  readonly message: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number | null,
    readonly title: string | null = null,
    readonly detail: string | null = null,
    readonly fieldErrors: readonly FieldError[] = [],
  ) {
    super(detail ?? title ?? code);
    this.name = "ApiError";
  }
}

interface Problem {
  code?: unknown;
  title?: unknown;
  detail?: unknown;
  errors?: unknown;
}

function text(value: unknown): string | null {
  return typeof value === "string" && value ? value : null;
}

/** Field errors of a 422: `{location: ["body", "contact", "email"], message}` (api/problems.py). */
function fieldErrors(errors: unknown): FieldError[] {
  if (!Array.isArray(errors)) return [];
  return errors.flatMap((item: unknown) => {
    if (typeof item !== "object" || item === null) return [];
    const { location, loc, message, msg } = item as Record<string, unknown>;
    const path = Array.isArray(location) ? location : Array.isArray(loc) ? loc : [];
    const parts = path.map(String).filter((part, index) => !(index === 0 && part === "body"));
    return [{ field: parts.join("."), message: text(message) ?? text(msg) ?? "" }];
  });
}

/** The ApiError for a response that is not ok, from its problem+json body if it has one. */
export async function problemOf(response: Response, fallbackCode = "http_error"): Promise<ApiError> {
  const body = (await response.json().catch(() => null)) as Problem | null;
  return errorOfBody(response.status, body, fallbackCode);
}

export function errorOfBody(status: number, body: unknown, fallbackCode = "http_error"): ApiError {
  const problem = (typeof body === "object" && body !== null ? body : {}) as Problem;
  return new ApiError(
    text(problem.code) ?? fallbackCode,
    status,
    text(problem.title),
    text(problem.detail),
    fieldErrors(problem.errors),
  );
}
