import { runAction } from './run.js';

process.exitCode = await runAction('delete');
