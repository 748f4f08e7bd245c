// Build args as given (KEY=VALUE), checked at the edge.
import { InputError } from '../util/errors.js';
import type { Origin } from '../options/options.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseBuildArgs(values: readonly string[], origin: Origin): Record<string, string> {
  const out: Record<string, string> = {};
  const field = origin === 'flags' ? '--build-arg' : 'build-arg';
  const file = origin === 'flags' ? '<flags>' : '<inputs>';
  for (const value of values) {
    const eq = value.indexOf('=');
    const name = eq < 0 ? value : value.slice(0, eq);
    if (eq < 0 || !NAME.test(name)) {
      throw new InputError([
        {
          file,
          field,
          message: `found "${value}"; expected NAME=value, NAME made of letters, digits and _ (not starting with a digit)`,
        },
      ]);
    }
    out[name] = value.slice(eq + 1);
  }
  return out;
}
