import { isExecuted } from './entry.js';
import { runAction } from './run.js';

/** actions/plan: runs `flinkship plan` with the action's inputs. */
export async function run(): Promise<void> {
  process.exitCode = await runAction('plan');
}

if (isExecuted(import.meta.url)) await run();
