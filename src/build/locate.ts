// Where a field of the resolved environment was written: the environment's override when it has one,
// else the top level. Messages name that field and its line.
import type { LoadedSpec } from '../spec/types.js';

export interface SpecField {
  name: string;
  at: { line?: number; col?: number };
}

export function locateSpecField(loaded: LoadedSpec, envName: string | undefined, path: string[]): SpecField {
  const key = (p: readonly (string | number)[]) => p.map((s) => (/^\d+$/.test(String(s)) ? Number(s) : s));
  if (envName) {
    const inEnv = ['environments', envName, ...path];
    const at = loaded.locate(key(inEnv));
    if (at) return { name: inEnv.join('.'), at };
  }
  // The closest written ancestor, so that a missing key still points at its parent.
  for (let n = path.length; n > 0; n--) {
    const at = loaded.locate(key(path.slice(0, n)));
    if (at) return { name: path.join('.'), at };
  }
  return { name: path.join('.'), at: {} };
}
