import { isExecuted } from './entry.js';
import { runAction } from './run.js';

/** actions/deploy: runs `flinkship deploy` with the action's inputs. */
export async function run(): Promise<void> {
  process.exitCode = await runAction('deploy');
}

if (isExecuted(import.meta.url)) await run();
