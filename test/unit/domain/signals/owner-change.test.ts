import { describe, expect, it } from 'vitest';
import { ownerChangeSignal } from '../../../../shared/domain/signals/owner-change.ts';
import { aBaseline, anAccount, aSnapshot, OWNER_ID } from '../../../fixtures/domain/builders.ts';

describe('owner change', () => {
  it('is high when the owner differs from the last reviewed baseline, citing before and after', () => {
    const snapshot = aSnapshot({
      account: anAccount({ ownerId: '4876876000000300009', ownerName: 'Tom Becker' }),
      baseline: aBaseline({ Owner: OWNER_ID, Owner_Name: 'Maria Lopez' }),
    });
    const signal = ownerChangeSignal(snapshot);
    expect(signal?.severity).toBe('high');
    expect(signal?.detail).toMatch(/^Owner changed from Maria Lopez to Tom Becker/);
    expect(signal?.evidence).toEqual([
      { module: 'Baseline', id: 'run-0001', field: 'Owner', value: 'Maria Lopez' },
      { module: 'Accounts', id: snapshot.account.id, field: 'Owner', value: 'Tom Becker' },
    ]);
  });

  it('is silent when the owner is the same', () => {
    expect(ownerChangeSignal(aSnapshot({ baseline: aBaseline({}) }))).toBeUndefined();
  });

  it('is silent when the owner was only renamed', () => {
    expect(ownerChangeSignal(aSnapshot({ baseline: aBaseline({ Owner_Name: 'María López' }) }))).toBeUndefined();
  });

  it('is silent on the first review, when there is no baseline', () => {
    expect(ownerChangeSignal(aSnapshot({ baseline: null }))).toBeUndefined();
  });
});
