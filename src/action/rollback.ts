import { isExecuted } from './entry.js';
import { runAction } from './run.js';

/** actions/rollback: runs `flinkship rollback` with the action's inputs. */
export async function run(): Promise<void> {
  process.exitCode = await runAction('rollback');
}

if (isExecuted(import.meta.url)) await run();
