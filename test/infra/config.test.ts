import { describe, expect, it } from 'vitest';
import { loadConfig, PLACEHOLDER_ACCOUNT, PLACEHOLDER_REGION } from '../../infra/config.ts';

const contextOf = (values: Record<string, string>) => (key: string) => values[key];

describe('CDK app context', () => {
  it('defaults to dev in a placeholder environment so synth needs no credentials', () => {
    const config = loadConfig(contextOf({}), {});
    expect(config).toMatchObject({
      stage: 'dev',
      account: PLACEHOLDER_ACCOUNT,
      region: PLACEHOLDER_REGION,
      availabilityZones: [`${PLACEHOLDER_REGION}a`, `${PLACEHOLDER_REGION}b`],
      scheduleTimezone: 'UTC',
    });
  });

  it('prefers context over CDK_DEFAULT_* over the placeholder', () => {
    const env = { CDK_DEFAULT_ACCOUNT: '111111111111', CDK_DEFAULT_REGION: 'eu-west-1' };
    expect(loadConfig(contextOf({}), env)).toMatchObject({ account: '111111111111', region: 'eu-west-1' });
    expect(loadConfig(contextOf({ account: '222222222222', region: 'eu-south-2' }), env)).toMatchObject({
      account: '222222222222',
      region: 'eu-south-2',
      availabilityZones: ['eu-south-2a', 'eu-south-2b'],
    });
  });

  it('rejects a bad stage, account, time zone or AZ list, naming every problem', () => {
    const bad = contextOf({
      stage: 'staging',
      account: '42',
      scheduleTimezone: 'Mars/Olympus',
      availabilityZones: 'x',
    });
    expect(() => loadConfig(bad, {})).toThrow(/stage[\s\S]*account[\s\S]*availabilityZones[\s\S]*scheduleTimezone/);
  });

  it('turns e-mail on with sesFromAddress, the identity defaulting to its domain', () => {
    expect(loadConfig(contextOf({}), {}).email).toBeNull();
    expect(loadConfig(contextOf({ sesFromAddress: 'Sergas <sergas@mail.northpeak.io>' }), {}).email).toEqual({
      fromAddress: 'Sergas <sergas@mail.northpeak.io>',
      identity: 'mail.northpeak.io',
      configurationSet: null,
    });
    const explicit = contextOf({
      sesFromAddress: 'sergas@mail.northpeak.io',
      sesIdentity: 'sergas@mail.northpeak.io',
      sesConfigurationSet: 'sergas-prod',
    });
    expect(loadConfig(explicit, {}).email).toEqual({
      fromAddress: 'sergas@mail.northpeak.io',
      identity: 'sergas@mail.northpeak.io',
      configurationSet: 'sergas-prod',
    });
  });

  it('rejects a bad sender, identity or configuration set, and SES settings without a sender', () => {
    const bad = contextOf({ sesFromAddress: 'sergas', sesIdentity: 'not a domain', sesConfigurationSet: 'a b' });
    expect(() => loadConfig(bad, {})).toThrow(/sesFromAddress[\s\S]*sesIdentity[\s\S]*sesConfigurationSet/);
    expect(() => loadConfig(contextOf({ sesConfigurationSet: 'sergas-prod' }), {})).toThrow(/need sesFromAddress/);
  });
});
