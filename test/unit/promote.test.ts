// The promotion gate, pure: which source revision moves, and when it is refused.
import { describe, expect, it } from 'vitest';
import { promotionGate, sqlScriptRefusal, type PromotionPolicy } from '../../src/promote/gate.js';
import type { History, Revision } from '../../src/release/history.js';
import { formatDuration } from '../../src/util/quantity.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const T0 = '2026-12-03T10:00:00.000Z';

function rev(n: number, digest: string, patch: Partial<Revision> = {}): Revision {
  return {
    revision: n,
    state: 'deployed',
    image: `reg.example/job@${digest}`,
    digest,
    configHash: 'sha256:c',
    flinkVersion: '1.20',
    upgradeMode: 'savepoint',
    path: 'savepoint',
    createdAt: T0,
    updatedAt: T0,
    deployedAt: T0,
    health: { healthy: true, reason: '1 checkpoint(s) in 30s, 0 restarts', samples: [] },
    ...patch,
  };
}
const history = (...revisions: Revision[]): History =>
  ({ historyVersion: 1, clusterId: 'job', environment: 'staging', revisions }) as History;
const policy = (p: Partial<PromotionPolicy> = {}): PromotionPolicy => ({
  from: 'staging',
  to: 'production',
  requireVerified: false,
  ...p,
});
const at = (iso: string) => new Date(iso);

describe('promotionGate', () => {
  it('passes the current revision when it is deployed and healthy', () => {
    const h = history(rev(1, D1, { state: 'superseded' }), rev(2, D2));
    const v = promotionGate(policy(), h, undefined, at(T0), false);
    expect(v).toEqual({ ok: true, revision: h.revisions[1], verifiedAt: T0 });
  });

  it('refuses an empty history, forced or not', () => {
    for (const force of [false, true]) {
      expect(promotionGate(policy(), history(), undefined, at(T0), force)).toEqual({
        ok: false,
        refusal: 'staging has no deployed revision',
      });
    }
  });

  it('refuses a revision that did not pass its health gate, and says why', () => {
    const h = history(
      rev(1, D1, { health: { healthy: false, reason: '2 restarts, at most 0 allowed', samples: [] } }),
    );
    expect(promotionGate(policy(), h, undefined, at(T0), false)).toEqual({
      ok: false,
      refusal: `staging revision 1 (reg.example/job@${D1}) has not passed its health gate (2 restarts, at most 0 allowed)`,
    });
  });

  it('--image picks the newest revision that ran it; one that is no longer deployed is refused', () => {
    const h = history(rev(1, D1, { state: 'superseded' }), rev(2, D2));
    const v = promotionGate(policy(), h, `reg.example/job@${D1}`, at(T0), false);
    expect(v).toEqual({
      ok: false,
      refusal: `staging revision 1 (reg.example/job@${D1}) is superseded, not deployed; only the revision that runs there now is promoted`,
    });
    expect(promotionGate(policy(), h, `other/job@sha256:${'3'.repeat(64)}`, at(T0), true)).toMatchObject({
      ok: false,
      refusal: expect.stringContaining('staging never ran sha256:333'),
    });
  });

  it('refuses until the soak has passed since the gate, then passes', () => {
    const h = history(rev(1, D1));
    const p = policy({ soak: { text: '30m', ms: 30 * 60_000 } });
    expect(promotionGate(p, h, undefined, at('2026-12-03T10:20:00.000Z'), false)).toEqual({
      ok: false,
      refusal: `staging revision 1 (reg.example/job@${D1}) passed its health gate at ${T0}, 20m ago; production asks for a soak of 30m (promotion.soak): promote again in 10m`,
    });
    expect(promotionGate(p, h, undefined, at('2026-12-03T10:30:00.000Z'), false).ok).toBe(true);
  });

  it('--force overrides a refusal and says what it overrode; never where requireVerified', () => {
    const h = history(rev(1, D1, { health: undefined }));
    const forced = promotionGate(policy(), h, undefined, at(T0), true);
    expect(forced).toMatchObject({
      ok: true,
      revision: h.revisions[0],
      forced: `staging revision 1 (reg.example/job@${D1}) has not passed its health gate (it was deployed without one)`,
    });
    expect(promotionGate(policy({ requireVerified: true }), h, undefined, at(T0), true)).toMatchObject({
      ok: false,
      refusal: expect.stringContaining(
        '--force is refused because production sets promotion.requireVerified: true',
      ),
    });
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [45_000, '45s'],
    [200_000, '3m20s'],
    [3_720_000, '1h2m'],
    [3_600_000, '1h'],
    [183_600_000, '2d3h'],
  ])('%d ms is %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('sqlScriptRefusal', () => {
  const S1 = `sha256:${'a'.repeat(64)}`;
  const S2 = `sha256:${'b'.repeat(64)}`;

  it("refuses a SQL job whose spec's script is not the one the source revision's image carries", () => {
    expect(sqlScriptRefusal(policy(), rev(3, D1, { sqlDigest: S1 }), S2)).toBe(
      `staging revision 3 (reg.example/job@${D1}) runs the SQL script ${'a'.repeat(12)}, the one its image was built from; the spec's script for production is ${'b'.repeat(12)}, which that image does not carry (its SQL runner would refuse to start). Promote from the commit that built the image, or deploy this script to staging first`,
    );
  });

  it('lets the same script through, and jar jobs and revisions recorded without a digest', () => {
    expect(sqlScriptRefusal(policy(), rev(3, D1, { sqlDigest: S1 }), S1)).toBeUndefined();
    expect(sqlScriptRefusal(policy(), rev(3, D1), S1)).toBeUndefined();
    expect(sqlScriptRefusal(policy(), rev(3, D1, { sqlDigest: S1 }), undefined)).toBeUndefined();
  });
});
