import { describe, expect, it } from 'vitest';
import { CreditBudget } from '../../../shared/adapters/zoho/credit-budget.ts';
import { ZohoRestClient } from '../../../shared/adapters/zoho/zoho-rest-client.ts';
import { CrmRateLimitedError } from '../../../shared/errors.ts';
import { RecordingMetrics } from '../../support/recording-metrics.ts';

const api = 'https://www.zohoapis.eu/crm/v8/Accounts';

/** A fetch answering every call with `status` and `headers`. */
const answering =
  (status: number, headers: Record<string, string> = {}): typeof fetch =>
  async () =>
    new Response(status === 204 ? null : '{"data":[]}', { status, headers });

function meteredBudget() {
  const metrics = new RecordingMetrics();
  return { metrics, budget: new CreditBudget({ metrics, sleep: async () => undefined }) };
}

describe('the Zoho credit budget, for the alarms', () => {
  it('counts a 429 from the Zoho REST client as ZohoThrottled', async () => {
    const { metrics, budget } = meteredBudget();
    const client = new ZohoRestClient({
      tokens: {
        accessToken: async () => ({ accessToken: 'token', apiDomain: null }),
        refresh: async () => ({ accessToken: 'token', apiDomain: null }),
      },
      apiDomain: 'https://www.zohoapis.eu',
      retries: 0,
      fetch: budget.wrap(answering(429, { 'retry-after': '30' })),
    });
    await expect(client.getRecord('Accounts', '1')).rejects.toBeInstanceOf(CrmRateLimitedError);
    expect(metrics.total('ZohoThrottled')).toBe(1);
  });

  it('reports each X-API-CREDITS-REMAINING it reads as ZohoCreditsRemaining', async () => {
    const { metrics, budget } = meteredBudget();
    const fetch = budget.wrap(answering(200, { 'X-API-CREDITS-REMAINING': '4200' }));
    await fetch(api);
    await fetch(api);
    expect(metrics.valuesOf('ZohoCreditsRemaining')).toEqual([4200, 4200]);
  });

  it('reports no credits when Zoho sends no header (under half the allowance used)', async () => {
    const { metrics, budget } = meteredBudget();
    await budget.wrap(answering(200))(api);
    expect(metrics.recorded).toEqual([]);
  });

  it('reports nothing for answers from outside the CRM API, such as the OAuth token endpoint', async () => {
    const { metrics, budget } = meteredBudget();
    await budget.wrap(answering(429))('https://accounts.zoho.eu/oauth/v2/token');
    expect(metrics.recorded).toEqual([]);
  });
});
