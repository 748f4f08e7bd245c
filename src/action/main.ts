import { isExecuted } from './entry.js';
import { runAction } from './run.js';

/** The root action: runs the verb its `command` input names. */
export async function run(): Promise<void> {
  process.exitCode = await runAction();
}

if (isExecuted(import.meta.url)) await run();
