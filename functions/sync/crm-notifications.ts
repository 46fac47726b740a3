import { ZohoNotification } from '../../shared/api/schemas.ts';
import { sqsBatchHandler } from '../../shared/runtime/sqs-batch-handler.ts';
import { applyVerifiedCrmNotification } from '../../shared/use-cases/apply-crm-notification.ts';

// What the webhook queues: Zoho's notification after its token was checked, without the token.
const QueuedNotification = ZohoNotification.omit({ token: true });

/**
 * Applies the Zoho notifications the webhook queued, each on its own: a message that fails (Zoho down, a
 * bad body) is reported back to SQS alone, and a replay of one already applied is recognised and skipped.
 */
export const handler = sqsBatchHandler(QueuedNotification, (deps, notification) =>
  applyVerifiedCrmNotification(deps, notification),
);
