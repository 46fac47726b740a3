/**
 * The one error taxonomy. `code` is stable (APIs, CLI and ASL Retry/Catch rely on it and on the class
 * name); `expose` says whether the message may be shown to a caller; `status` is the HTTP mapping.
 */
export interface AppErrorOptions {
  cause?: unknown;
  expose?: boolean;
  status?: number;
  details?: unknown;
}

export class AppError extends Error {
  readonly code: string;
  readonly expose: boolean;
  readonly status: number;
  readonly details: unknown;

  constructor(code: string, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.expose = options.expose ?? false;
    this.status = options.status ?? 500;
    this.details = options.details;
  }
}

/** Bad input from a caller: names the field or argument. */
export class ValidationError extends AppError {
  constructor(message: string, details?: unknown) {
    super('VALIDATION_FAILED', message, { expose: true, status: 400, details });
  }
}

export class NotFoundError extends AppError {
  constructor(what: string, id: string) {
    super('NOT_FOUND', `${what} ${id} was not found`, { expose: true, status: 404, details: { id } });
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication is required') {
    super('UNAUTHORIZED', message, { expose: true, status: 401 });
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string) {
    super('FORBIDDEN', message, { expose: true, status: 403 });
  }
}

/** Too many requests from one person; `retryAfterSeconds` says when the window resets. */
export class RateLimitedError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(limit: number, retryAfterSeconds: number) {
    super('RATE_LIMITED', `More than ${limit} requests a minute; try again in ${retryAfterSeconds} s`, {
      expose: true,
      status: 429,
      details: { limit, retry_after_seconds: retryAfterSeconds },
    });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(maxBytes: number) {
    super('PAYLOAD_TOO_LARGE', `Body is larger than ${maxBytes} bytes`, {
      expose: true,
      status: 413,
      details: { max_bytes: maxBytes },
    });
  }
}

export class ApprovalAlreadyDecidedError extends AppError {
  constructor(id: string, status: string) {
    super('APPROVAL_ALREADY_DECIDED', `Approval ${id} was already decided (${status})`, {
      expose: true,
      status: 409,
      details: { id, status },
    });
  }
}

export class ApprovalExpiredError extends AppError {
  constructor(id: string) {
    super('APPROVAL_EXPIRED', `Approval ${id} has expired`, { expose: true, status: 410, details: { id } });
  }
}

/** A dependency (Zoho, the database, an LLM) failed in a way worth retrying. ASL Retry matches this name. */
export class RetryableUpstreamError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super('UPSTREAM_UNAVAILABLE', message, { status: 503, ...options });
  }
}

/** Zoho answered 429. ASL Retry matches this name with a longer backoff. */
export class CrmRateLimitedError extends AppError {
  constructor(message = 'Zoho CRM rate limit reached', options: AppErrorOptions = {}) {
    super('CRM_RATE_LIMITED', message, { status: 503, ...options });
  }
}

/** Zoho refused a request for a reason retrying will not fix. */
export class CrmRequestError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super('CRM_REQUEST_FAILED', message, { status: 502, ...options });
  }
}

/** A notification channel (SES, Slack) refused a message for a reason retrying will not fix. */
export class NotificationRejectedError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super('NOTIFICATION_REJECTED', message, { status: 502, ...options });
  }
}

/** Every channel failed to take a message; `details` lists each channel's error. */
export class NotificationFailedError extends AppError {
  constructor(failures: { channel: string; error: string }[], options: AppErrorOptions = {}) {
    super(
      'NOTIFICATION_FAILED',
      `No channel delivered the message: ${failures.map((f) => `${f.channel}: ${f.error}`).join('; ')}`,
      {
        status: 502,
        details: failures,
        ...options,
      },
    );
  }
}

/**
 * A secret rotation step cannot go on: the secret or the version is not set up for rotation, or the new
 * credential does not work. Retrying the same step will not fix it; the rotation stops and is reported failed.
 */
export class SecretRotationError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super('SECRET_ROTATION_FAILED', message, { status: 500, ...options });
  }
}

/** Configuration is missing or invalid; lists every problem. */
export class ConfigError extends AppError {
  constructor(problems: string[]) {
    super('CONFIG_INVALID', `Invalid configuration:\n  - ${problems.join('\n  - ')}`, {
      expose: true,
      details: problems,
    });
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
