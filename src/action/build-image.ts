import { isExecuted } from './entry.js';
import { runAction } from './run.js';

/** actions/build-image: runs `flinkship build` with the action's inputs. */
export async function run(): Promise<void> {
  process.exitCode = await runAction('build');
}

if (isExecuted(import.meta.url)) await run();
