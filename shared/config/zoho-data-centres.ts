/**
 * Zoho's data centres. An org lives in exactly one; its tokens come from that DC's accounts server and
 * work only against that DC's API domain (another host answers `INVALID_HOST`). Sandbox and developer
 * orgs have their own API domains but share the DC's accounts server.
 */
export const ZOHO_DATA_CENTRES = {
  us: { accounts: 'https://accounts.zoho.com', apiSuffix: 'zohoapis.com' },
  eu: { accounts: 'https://accounts.zoho.eu', apiSuffix: 'zohoapis.eu' },
  in: { accounts: 'https://accounts.zoho.in', apiSuffix: 'zohoapis.in' },
  au: { accounts: 'https://accounts.zoho.com.au', apiSuffix: 'zohoapis.com.au' },
  jp: { accounts: 'https://accounts.zoho.jp', apiSuffix: 'zohoapis.jp' },
  ca: { accounts: 'https://accounts.zohocloud.ca', apiSuffix: 'zohoapis.ca' },
  sa: { accounts: 'https://accounts.zoho.sa', apiSuffix: 'zohoapis.sa' },
  cn: { accounts: 'https://accounts.zoho.com.cn', apiSuffix: 'zohoapis.com.cn' },
} as const;

export type ZohoDataCentre = keyof typeof ZOHO_DATA_CENTRES;
export type ZohoEnvironment = 'production' | 'sandbox' | 'developer';

export const ZOHO_DATA_CENTRE_CODES = Object.keys(ZOHO_DATA_CENTRES) as [ZohoDataCentre, ...ZohoDataCentre[]];

const API_HOST_PREFIX: Record<ZohoEnvironment, string> = {
  production: 'www',
  sandbox: 'sandbox',
  developer: 'developer',
};

/** The accounts server and API domain of an org in `dc`, e.g. eu sandbox → accounts.zoho.eu + sandbox.zohoapis.eu. */
export function zohoEndpoints(
  dc: ZohoDataCentre,
  environment: ZohoEnvironment = 'production',
): { accountsUrl: string; apiDomain: string } {
  const { accounts, apiSuffix } = ZOHO_DATA_CENTRES[dc];
  return { accountsUrl: accounts, apiDomain: `https://${API_HOST_PREFIX[environment]}.${apiSuffix}` };
}
