// actions/integration-env, main step: `env up`. Later steps find the cluster through KUBECONFIG.
import * as core from '@actions/core';
import { runAction } from './run.js';

const code = await runAction('env up');
if (code === 0 && process.env.KUBECONFIG) core.exportVariable('KUBECONFIG', process.env.KUBECONFIG);
process.exitCode = code;
