// Every action's entry module exports `run()` (as action authors and @github/local-action expect) and
// calls it only when the runner executes that module, never when it is imported.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function isExecuted(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
