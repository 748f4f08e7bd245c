import { isExecuted } from './entry.js';
import { runAction } from './run.js';

/** actions/diff: runs `flinkship diff` with the action's inputs. */
export async function run(): Promise<void> {
  process.exitCode = await runAction('diff');
}

if (isExecuted(import.meta.url)) await run();
