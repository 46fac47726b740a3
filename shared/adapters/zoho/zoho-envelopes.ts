import { z } from 'zod';
import { CrmRequestError } from '../../errors.ts';
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
