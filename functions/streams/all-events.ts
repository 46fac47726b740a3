import { eventStreamFunction } from './event-stream.ts';

/** GET /api/v1/events: every run's AG-UI events over SSE (the firehose), from now or after Last-Event-ID. */
export const { streamHandler, handler } = eventStreamFunction('all');
