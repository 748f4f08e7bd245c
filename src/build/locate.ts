// Where a field of the resolved environment was written: the environment's override when it has one,
// else the top level. Messages name that field and its line.
import type { LoadedSpec } from '../spec/types.js';

export interface SpecField {
  name: string;
  at: { line?: number; col?: number };
}

export function locateSpecField(loaded: LoadedSpec, envName: string | undefined, path: string[]): SpecField {
  const key = (p: readonly (string | number)[]) => p.map((s) => (/^\d+$/.test(String(s)) ? Number(s) : s));
  // The environment's own value only where the environment writes it (not its block for a key it
  // inherits from the top level).
  if (envName) {
    const inEnv = ['environments', envName, ...path];
    const at = loaded.has(key(inEnv)) ? loaded.locate(key(inEnv)) : undefined;
    if (at) return { name: inEnv.join('.'), at };
  }
  // Else the top level's, or its closest written ancestor, so that a missing key still points at its parent.
  for (let n = path.length; n > 0; n--) {
    const at = loaded.has(key(path.slice(0, n))) ? loaded.locate(key(path.slice(0, n))) : undefined;
    if (at) return { name: path.join('.'), at };
  }
  return { name: path.join('.'), at: {} };
}
