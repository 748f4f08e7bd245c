import { isExecuted } from './entry.js';
import { runAction } from './run.js';

/** actions/delete: runs `flinkship delete` with the action's inputs. */
export async function run(): Promise<void> {
  process.exitCode = await runAction('delete');
}

if (isExecuted(import.meta.url)) await run();
