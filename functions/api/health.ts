import { httpHandler, json } from '../../shared/runtime/http-handler.ts';

const check = async (probe: () => Promise<unknown>) => {
  try {
    await probe();
    return 'ok';
  } catch {
    return 'unavailable';
  }
};

export const handler = httpHandler(async (_event, deps) => {
  const [db, cache] = await Promise.all([
    check(() => deps.db.query('SELECT 1')),
    check(() => deps.cache.get('health')),
  ]);
  const status = db === 'ok' && cache === 'ok' ? 'ok' : 'degraded';
  return json(status === 'ok' ? 200 : 503, {
    status,
    db: { status: db, kind: deps.db.kind },
    cache: { status: cache, kind: deps.config.cache.kind },
    crm: { kind: deps.config.crm.kind, tiers: deps.crmTiers(), api_calls: deps.crm.apiCalls },
  });
});
