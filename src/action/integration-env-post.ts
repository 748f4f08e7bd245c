// actions/integration-env, post step: `env down` with the main step's inputs (the diagnostics of a
// failed `env up` were collected by that step). Deletes the cluster unless keep is true.
import { runAction } from './run.js';

process.exitCode = await runAction('env down');
