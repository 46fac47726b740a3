import { describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../../cli/main.ts';
import { UsageError } from '../../../cli/usage-error.ts';
import {
  ApprovalAlreadyDecidedError,
  ApprovalExpiredError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
  ValidationError,
} from '../../../shared/errors.ts';
import { EditRejectedByComplianceError } from '../../../shared/use-cases/decide-approval.ts';

describe('the exit code of a command that failed with an error it may show', () => {
  it('is 2 for bad input: a malformed value, an unknown id, a body too large, an edit compliance refuses', () => {
    expect(exitCodeOf(new UsageError('--days must be a whole number from 1 to 30'))).toBe(2);
    expect(exitCodeOf(new ValidationError('reason: required'))).toBe(2);
    expect(exitCodeOf(new NotFoundError('Approval', 'Xk3abc'))).toBe(2);
    expect(exitCodeOf(new PayloadTooLargeError(65_536))).toBe(2);
    expect(exitCodeOf(new EditRejectedByComplianceError([]))).toBe(2);
  });

  it('is 1 when the command ran and failed: decided, expired, not theirs to decide, rate limited', () => {
    expect(exitCodeOf(new ApprovalAlreadyDecidedError('Xk3abc', 'APPROVED'))).toBe(1);
    expect(exitCodeOf(new ApprovalExpiredError('Xk3abc'))).toBe(1);
    expect(exitCodeOf(new ForbiddenError('Only the owner, their manager or an admin may decide'))).toBe(1);
    expect(exitCodeOf(new RateLimitedError(60, 12))).toBe(1);
  });
});
