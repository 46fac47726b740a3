import { eventStreamFunction } from './event-stream.ts';

/** GET /api/v1/runs/{id}/events: one run's AG-UI events over SSE, ending after RUN_FINISHED or RUN_ERROR. */
export const { streamHandler, handler } = eventStreamFunction('run');
