import { httpHandler, json } from '../../shared/runtime/http-handler.ts';

const check = async (probe: () => Promise<unknown>) => {
  try {
    await probe();
    return 'ok' as const;
  } catch {
    return 'unavailable' as const;
  }
};

/** `GET /api/v1/health`: 503 only when the database is down; a cache or CRM tier problem is `degraded`. */
export const handler = httpHandler(async (_event, deps) => {
  const [db, cache] = await Promise.all([
    check(() => deps.db.query('SELECT 1')),
    check(() => deps.cache.get('health')),
  ]);
  const tiers = deps.crmTiers();
  const open = tiers.filter((tier) => tier.state !== 'closed').length;
  const crm = open === 0 ? 'ok' : open < tiers.length ? 'degraded' : 'unavailable';
  const status = db !== 'ok' ? 'down' : cache === 'ok' && crm === 'ok' ? 'ok' : 'degraded';
  return json(status === 'down' ? 503 : 200, {
    status,
    db: { status: db, kind: deps.db.kind },
    cache: { status: cache, kind: deps.config.cache.kind },
    crm: { kind: deps.config.crm.kind, status: crm, tiers, api_calls: deps.crm.apiCalls },
  });
});
