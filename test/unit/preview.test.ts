// Previews, pure: the cluster-id per pull request, reading it back, and why a preview is swept.
import { describe, expect, it } from 'vitest';
import { forPullRequest, previewClusterId, pullRequestOf, sweepReason } from '../../src/spec/preview.js';
import { parseSpec } from '../../src/spec/load.js';
import { plan } from '../../src/plan/plan.js';
import { formatDuration } from '../../src/util/quantity.js';

const SPEC = `name: shop
flinkVersion: '1.20'
image: { repository: ghcr.io/acme/shop }
job: { jar: target/shop.jar }
environments:
  preview: { namespace: previews, upgradeMode: stateless, ttl: 72h }
  staging: { namespace: flink-staging }
`;

describe('previews', () => {
  it('give each pull request its own cluster-id, and everything named after it', () => {
    const loaded = forPullRequest(parseSpec(SPEC, 'flinkship.yaml', '/repo'), 'preview', 42, '--env');
    const p = plan(loaded, 'preview');
    expect(p.clusterId).toBe('shop-pr-42');
    expect(p.kubernetes.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.name)).toContain(
      'shop-pr-42-flink',
    );
    expect(plan(parseSpec(SPEC, 'flinkship.yaml', '/repo'), 'preview').clusterId).toBe('shop');
  });

  it('are refused in an environment that is not a preview one', () => {
    expect(() => forPullRequest(parseSpec(SPEC, 'flinkship.yaml', '/repo'), 'staging', 42, '--env')).toThrow(
      'environment staging is not a preview environment; name it preview or give it a ttl',
    );
  });

  it("read a cluster-id back only when it is this job's preview", () => {
    expect(pullRequestOf('shop', previewClusterId('shop', 7))).toBe(7);
    expect(pullRequestOf('shop', 'shop')).toBeUndefined();
    expect(pullRequestOf('shop', 'shopping-pr-7')).toBeUndefined();
    expect(pullRequestOf('shop', 'shop-pr-07')).toBeUndefined();
    expect(pullRequestOf('sh.p', 'shop-pr-7')).toBeUndefined();
  });

  it('are swept once the ttl passed, or when the pull request closed, and kept otherwise', () => {
    const ttl = { text: '72h', ms: 72 * 3600_000 };
    const t0 = Date.parse('2026-12-01T00:00:00Z');
    expect(sweepReason(7, t0, t0 + 73 * 3600_000, ttl, 'open', formatDuration)).toBe(
      'deployed 3d1h ago, past the ttl of 72h',
    );
    expect(sweepReason(7, t0, t0 + 3600_000, ttl, 'closed', formatDuration)).toBe(
      'pull request #7 is closed',
    );
    expect(sweepReason(7, t0, t0 + 3600_000, ttl, 'open', formatDuration)).toBeUndefined();
    expect(sweepReason(7, t0, t0 + 3600_000, ttl, undefined, formatDuration)).toBeUndefined();
  });
});
