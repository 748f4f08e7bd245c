import { isExecuted } from './entry.js';
import { runAction } from './run.js';

/** actions/promote: runs `flinkship promote` with the action's inputs. */
export async function run(): Promise<void> {
  process.exitCode = await runAction('promote');
}

if (isExecuted(import.meta.url)) await run();
