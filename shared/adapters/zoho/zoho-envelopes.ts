import { z } from 'zod';
import { type AppError, CrmRateLimitedError, CrmRequestError, RetryableUpstreamError } from '../../errors.ts';
import type { CrmWriteResult } from '../../ports/crm-client.ts';

/** Zoho's v8 bodies, the same whichever transport (REST or MCP) carried them. */
export const RecordSchema = z.looseObject({ id: z.string().min(1) });
export const InfoSchema = z
  .looseObject({ more_records: z.boolean().optional(), next_page_token: z.string().nullish() })
  .optional();
export const RecordsEnvelope = z.looseObject({ data: z.array(RecordSchema), info: InfoSchema });
export const WriteEntry = z.looseObject({
  code: z.string(),
  status: z.string(),
  message: z.string().optional(),
  details: z.unknown().optional(),
});
export const WriteEnvelope = z.looseObject({ data: z.array(WriteEntry) });
export const ZohoError = z.looseObject({
  code: z.string(),
  message: z.string().optional(),
  details: z.unknown().optional(),
  status: z.string().optional(),
});

/** Zoho serves at most 10 numbered pages of 200; past them only `page_token` works. */
export const MAX_DISCRETE_PAGE = 10;
export const PER_PAGE = 200;
export const MAX_WRITE_BATCH = 100;

/** Validates a body; an unexpected shape is Zoho's (or the transport's) fault, reported with where it broke. */
export function parseEnvelope<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CrmRequestError(`Zoho ${what}: unexpected response shape at ${issue?.path.join('.') || '(root)'}`, {
      details: { issue: issue?.message },
    });
  }
  return parsed.data;
}

/** One entry of a write answer (`data[i]`), success or per-record error. */
export function writeResultOf(entry: z.output<typeof WriteEntry>): CrmWriteResult {
  const isSuccess = entry.status === 'success';
  const details = entry.details;
  const id =
    isSuccess && details && typeof details === 'object' && typeof (details as { id?: unknown }).id === 'string'
      ? (details as { id: string }).id
      : null;
  return { status: isSuccess ? 'success' : 'error', code: entry.code, id, message: entry.message ?? '', details };
}

export function parseJson(text: string | undefined): unknown {
  if (text === undefined || text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What a failed call's error carries: the HTTP status and Zoho's own code, message and details. */
export function zohoDetails(status: number, body: unknown): Record<string, unknown> {
  const error = ZohoError.safeParse(body);
  if (!error.success) return { httpStatus: status };
  return { httpStatus: status, code: error.data.code, message: error.data.message, details: error.data.details };
}

/**
 * The error a Zoho answer that is not a success becomes, in the taxonomy the workflows retry on: 429 →
 * CrmRateLimitedError, 5xx → RetryableUpstreamError, anything else → CrmRequestError naming Zoho's code.
 * `what` names the call (`Zoho GET Accounts`); `text` is the raw body, quoted when it is not Zoho's JSON.
 */
export function zohoFailure(what: string, status: number, body: unknown, text: string): AppError {
  const details = zohoDetails(status, body);
  if (status === 429) return new CrmRateLimitedError(`${what}: Zoho rate limit reached`, { details });
  if (status >= 500) return new RetryableUpstreamError(`${what} failed with HTTP ${status}`, { details });
  const error = ZohoError.safeParse(body);
  const code = error.success ? error.data.code : `HTTP_${status}`;
  const message = error.success ? (error.data.message ?? '') : text.slice(0, 200);
  return new CrmRequestError(`${what} failed: ${code}${message ? ` (${message})` : ''}`, { details });
}
