import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config/config.ts';

const home = { SERGAS_HOME: '/tmp/sergas-api-config' };

describe('the API’s configuration', () => {
  it('defaults to local tokens with a secret in the home, 60 requests a minute and CORS for the public URL only', () => {
    const config = loadConfig({ ...home, SERGAS_PUBLIC_URL: 'https://sergas.example.com/app' });
    expect(config.auth).toEqual({ kind: 'local', secret: null, secretFile: '/tmp/sergas-api-config/jwt-secret' });
    expect(config.api).toEqual({ corsOrigins: ['https://sergas.example.com'], rateLimitPerMinute: 60 });
    expect(loadConfig(home).api.corsOrigins).toEqual([]);
  });

  it('takes SERGAS_CORS_ORIGINS, SERGAS_RATE_LIMIT, SERGAS_JWT_SECRET and the Cognito pool', () => {
    const config = loadConfig({
      ...home,
      SERGAS_CORS_ORIGINS: 'https://a.example.com, http://localhost:5173/',
      SERGAS_RATE_LIMIT: '120',
      COGNITO_USER_POOL_ID: 'eu-west-1_AbC123',
      COGNITO_CLIENT_ID: 'client',
    });
    expect(config.api).toEqual({
      corsOrigins: ['https://a.example.com', 'http://localhost:5173'],
      rateLimitPerMinute: 120,
    });
    expect(config.auth).toEqual({
      kind: 'cognito',
      userPoolId: 'eu-west-1_AbC123',
      clientId: 'client',
      region: 'eu-west-1',
    });
  });

  it('names each bad setting', () => {
    expect(() =>
      loadConfig({ ...home, SERGAS_CORS_ORIGINS: 'not a url', SERGAS_RATE_LIMIT: '0', SERGAS_JWT_SECRET: 'short' }),
    ).toThrow(/SERGAS_CORS_ORIGINS[\s\S]*SERGAS_RATE_LIMIT[\s\S]*SERGAS_JWT_SECRET/);
  });
});
