import { z } from 'zod';
import { httpHandler, json, parseBody } from '../../shared/runtime/http-handler.ts';
import { applyCrmNotification } from '../../shared/use-cases/apply-crm-notification.ts';

/** Zoho's notification callback (ids only, the channel token echoed in the body). */
const Notification = z.looseObject({
  channel_id: z.coerce.string().min(1),
  module: z.string().min(1),
  operation: z.string().min(1),
  ids: z.array(z.coerce.string().min(1)).min(1).max(100),
  token: z.string().max(50),
  server_time: z.coerce.number().int(),
});

export const handler = httpHandler(async (event, deps) => {
  const notification = parseBody(event, Notification);
  const result = await applyCrmNotification(deps, { notification, expectedToken: deps.config.notificationToken });
  return json(200, result);
});
