import { isExecuted } from './entry.js';
import { runAction } from './run.js';

/** actions/validate: runs `flinkship validate` with the action's inputs. */
export async function run(): Promise<void> {
  process.exitCode = await runAction('validate');
}

if (isExecuted(import.meta.url)) await run();
