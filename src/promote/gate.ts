// Whether a source revision may be promoted: pure, over the source's release history, the destination's
// promotion settings and the clock. Deployed, verified by its health gate, and soaked for as long as the
// destination asks; --force overrides a refusal (loudly) unless the destination requires verification.
import { current, type History, type Revision } from '../release/history.js';
import { shortDigest } from '../release/decide.js';
import { parseImageRef } from '../util/imageRef.js';
import { formatDuration } from '../util/quantity.js';

export interface PromotionPolicy {
  from: string;
  to: string;
  /** The soak as written in the spec, and in milliseconds. */
  soak?: { text: string; ms: number };
  requireVerified: boolean;
}

export type GateVerdict =
  | { ok: true; revision: Revision; verifiedAt: string }
  /** Refused, but --force was given and the destination allows it: `refusal` says what is overridden. */
  | { ok: true; revision: Revision; forced: string; verifiedAt?: string }
  | { ok: false; refusal: string };

/** The revision to promote: the source's current one, or the one that ran `image` (by digest). */
export function sourceRevision(
  history: History,
  image: string | undefined,
): { revision?: Revision; missing?: string } {
  if (image === undefined) {
    const cur = current(history);
    return cur ? { revision: cur } : { missing: 'has no deployed revision' };
  }
  const digest = parseImageRef(image)?.digest;
  const matching = history.revisions.filter((r) => r.digest === digest);
  // The newest revision that ran it: its state and health verdict are what the gate reads.
  const found = matching.at(-1);
  return found
    ? { revision: found }
    : { missing: `never ran ${digest ?? image} (no revision of its release history has that digest)` };
}

/**
 * A SQL job's source revision ran the script its image was built from (its sqlDigest); the destination
 * runs the spec's script, and the runner refuses any other at its start. A promotion whose spec's script
 * is not the one the image carries is refused before anything moves, --force or not: nothing could run it.
 */
export function sqlScriptRefusal(
  policy: PromotionPolicy,
  revision: Revision,
  destinationSqlDigest: string | undefined,
): string | undefined {
  const ran = revision.sqlDigest;
  if (ran === undefined || destinationSqlDigest === undefined || ran === destinationSqlDigest)
    return undefined;
  return `${policy.from} revision ${revision.revision} (${revision.image}) runs the SQL script ${shortDigest(ran)}, the one its image was built from; the spec's script for ${policy.to} is ${shortDigest(destinationSqlDigest)}, which that image does not carry (its SQL runner would refuse to start). Promote from the commit that built the image, or deploy this script to ${policy.from} first`;
}

/** When the revision passed its health gate (older histories lack deployedAt: the last update then). */
export function verifiedAt(r: Revision): string {
  return r.deployedAt ?? r.updatedAt;
}

export function promotionGate(
  policy: PromotionPolicy,
  history: History,
  image: string | undefined,
  now: Date,
  force: boolean,
): GateVerdict {
  const { revision, missing } = sourceRevision(history, image);
  const refuse = (why: string, r?: Revision): GateVerdict => {
    const refusal = `${policy.from} ${why}`;
    // An image the source never ran is not promoted, forced or not: there is nothing to vouch for it.
    if (!force || !r) return { ok: false, refusal };
    if (policy.requireVerified) {
      return {
        ok: false,
        refusal: `${refusal}; --force is refused because ${policy.to} sets promotion.requireVerified: true`,
      };
    }
    return { ok: true, revision: r, forced: refusal };
  };
  if (!revision) return refuse(missing!);
  const r = revision;
  const what = `revision ${r.revision} (${r.image})`;
  if (r.state !== 'deployed') {
    return refuse(
      `${what} is ${r.state}, not deployed${r.reason ? ` (${r.reason})` : ''}; only the revision that runs there now is promoted`,
      r,
    );
  }
  if (!r.health?.healthy) {
    return refuse(
      `${what} has not passed its health gate${r.health ? ` (${r.health.reason})` : ' (it was deployed without one)'}`,
      r,
    );
  }
  const at = verifiedAt(r);
  if (policy.soak) {
    const ranMs = Math.max(0, now.getTime() - Date.parse(at));
    if (ranMs < policy.soak.ms) {
      return refuse(
        `${what} passed its health gate at ${at}, ${formatDuration(ranMs)} ago; ${policy.to} asks for a soak of ${policy.soak.text} (promotion.soak): promote again in ${formatDuration(policy.soak.ms - ranMs)}`,
        r,
      );
    }
  }
  return { ok: true, revision: r, verifiedAt: at };
}
