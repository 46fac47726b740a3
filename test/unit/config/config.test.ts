import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config/config.ts';

describe('the configuration', () => {
  it('uses the embedded defaults when nothing is set', () => {
    const config = loadConfig({ SERGAS_HOME: '/tmp/sergas-home' });
    expect(config).toMatchObject({
      home: '/tmp/sergas-home',
      database: { kind: 'pglite', dataDir: '/tmp/sergas-home/pgdata' },
      cache: { kind: 'memory' },
      crm: { kind: 'sandbox', dataDir: '/tmp/sergas-home/sandbox' },
      workflow: { kind: 'local' },
      port: 4280,
    });
  });

  it('switches each port to the real service its variable names', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/sergas',
      REDIS_URL: 'redis://127.0.0.1:6379',
      ZOHO_ACCOUNTS_URL: 'https://accounts.zoho.eu',
      ZOHO_CLIENT_ID: '1000.ABC',
      ZOHO_CLIENT_SECRET: 'secret',
      ZOHO_REFRESH_TOKEN: '1000.refresh',
      STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:sergas-dev-account-analysis',
    });
    expect(config.database.kind).toBe('postgres');
    expect(config.cache.kind).toBe('redis');
    expect(config.crm).toMatchObject({ kind: 'zoho', accountsUrl: 'https://accounts.zoho.eu', apiDomain: null });
    expect(config.workflow.kind).toBe('step-functions');
  });

  it('leaves the Zoho SDK tier off unless ZOHO_SDK_TIER is true', () => {
    expect(loadConfig({}).zohoSdkTier).toBe(false);
    expect(loadConfig({ ZOHO_SDK_TIER: 'false' }).zohoSdkTier).toBe(false);
    expect(loadConfig({ ZOHO_SDK_TIER: 'true' }).zohoSdkTier).toBe(true);
    expect(() => loadConfig({ ZOHO_SDK_TIER: 'yes' })).toThrowError(/ZOHO_SDK_TIER/);
  });

  it('fails listing every problem at once', () => {
    expect(() =>
      loadConfig({ SERGAS_PORT: 'eighty', DATABASE_URL: 'not a url', ZOHO_CLIENT_ID: 'only-the-id' }),
    ).toThrowError(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        details: expect.arrayContaining([
          expect.stringMatching(/^SERGAS_PORT:/),
          expect.stringMatching(/^DATABASE_URL:/),
          expect.stringMatching(/^ZOHO_DATA_CENTRE: is required \(or ZOHO_ACCOUNTS_URL\) when ZOHO_CLIENT_ID is set/),
          expect.stringMatching(/^ZOHO_REFRESH_TOKEN:/),
        ]),
      }),
    );
  });

  it('takes the accounts server and API domain of the data centre it is given', () => {
    const config = loadConfig({
      ZOHO_DATA_CENTRE: 'au',
      ZOHO_CLIENT_ID: '1000.ABC',
      ZOHO_CLIENT_SECRET: 'secret',
      ZOHO_REFRESH_TOKEN: '1000.refresh',
    });
    expect(config.crm).toMatchObject({
      kind: 'zoho',
      accountsUrl: 'https://accounts.zoho.com.au',
      apiDomain: 'https://www.zohoapis.com.au',
    });
  });

  it("points a Zoho sandbox org at its data centre's sandbox API domain", () => {
    const config = loadConfig({
      ZOHO_DATA_CENTRE: 'ca',
      ZOHO_ENVIRONMENT: 'sandbox',
      ZOHO_CLIENT_ID: '1000.ABC',
      ZOHO_CLIENT_SECRET: 'secret',
      ZOHO_REFRESH_TOKEN: '1000.refresh',
    });
    expect(config.crm).toMatchObject({
      accountsUrl: 'https://accounts.zohocloud.ca',
      apiDomain: 'https://sandbox.zohoapis.ca',
    });
  });

  it('refuses a data centre Zoho does not have, naming the ones it does', () => {
    expect(() => loadConfig({ ZOHO_DATA_CENTRE: 'uk' })).toThrowError(
      expect.objectContaining({ details: expect.arrayContaining([expect.stringMatching(/^ZOHO_DATA_CENTRE:.*"eu"/)]) }),
    );
  });

  describe("the tenant's rules", () => {
    const rulesFile = (content: string) => {
      const file = join(mkdtempSync(join(tmpdir(), 'sergas-rules-')), 'rules.json');
      writeFileSync(file, content);
      return file;
    };

    it('are the defaults of DOMAIN-RULES in the tenant time zone when no file is given', () => {
      const { rules } = loadConfig({ SERGAS_TIME_ZONE: 'Europe/Berlin' });
      expect(rules.timeZone).toBe('Europe/Berlin');
      expect(rules.dealStages.won).toEqual(['Closed Won']);
    });

    it('take the overrides of the rules file and keep the defaults for the rest', () => {
      const file = rulesFile(JSON.stringify({ dealStages: { won: ['Signed'] } }));
      const { rules } = loadConfig({ SERGAS_RULES_FILE: file });
      expect(rules.dealStages.won).toEqual(['Signed']);
      expect(rules.dealStages.lost).toEqual(['Closed Lost', 'Closed-Lost to Competition']);
    });

    it("include the Memory Analyst's thresholds", () => {
      const file = rulesFile(JSON.stringify({ memory: { commitments: { lookbackDays: 90 } } }));
      const { rules } = loadConfig({ SERGAS_RULES_FILE: file });
      expect(rules.memory.commitments.lookbackDays).toBe(90);
      expect(rules.memory.engagementCycle.lookbackDays).toBe(365);
    });

    it('name the file and the field of every invalid value', () => {
      const file = rulesFile(JSON.stringify({ dealStages: { won: [''] }, accountStatus: { Risky: 'doomed' } }));
      expect(() => loadConfig({ SERGAS_RULES_FILE: file, SERGAS_TIME_ZONE: 'Mars/Olympus' })).toThrowError(
        expect.objectContaining({
          details: expect.arrayContaining([
            expect.stringMatching(/^SERGAS_RULES_FILE: dealStages\.won\.0:/),
            expect.stringMatching(/^SERGAS_RULES_FILE: accountStatus\.Risky:/),
            expect.stringMatching(/^SERGAS_TIME_ZONE: not an IANA time zone/),
          ]),
        }),
      );
    });

    it('refuse a file that is not a JSON object', () => {
      expect(() => loadConfig({ SERGAS_RULES_FILE: rulesFile('[1, 2]') })).toThrowError(
        expect.objectContaining({ details: [expect.stringMatching(/must hold a JSON object/)] }),
      );
      expect(() => loadConfig({ SERGAS_RULES_FILE: '/no/such/rules.json' })).toThrowError(
        expect.objectContaining({ details: [expect.stringMatching(/^SERGAS_RULES_FILE: cannot read/)] }),
      );
    });
  });
});
