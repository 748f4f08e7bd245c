#!/usr/bin/env node
import { runCli } from './run.js';
import { dropDebugCommands } from './stdout.js';

if (process.env.GITHUB_ACTIONS !== 'true') dropDebugCommands(process.stdout);
process.exitCode = await runCli(process.argv.slice(2));
