// `bash scripts/up-here`: `flinkship up` on the fixture, on this machine, with no registry reachable.
// The testbed provides what a user's mirror would (the kind node image, the Flink base image and
// FLINK_HOME, the Kafka image, and the STAND-INS for Strimzi's operator and Fluent Bit); the spec is the
// fixture's with those mirrors filled in (test/integration/upSpec.ts, as the up test runs it). Extra
// arguments go to `flinkship up` (e.g. --keep, --output json).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../src/cli/run.js';
import { kindPath, writeUpRepo } from '../test/integration/upSpec.js';

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through scripts/up-here, which brings the testbed up`);
  return value;
}

const dir = mkdtempSync(path.join(tmpdir(), 'flinkship-up-here-'));
const { spec, manifests } = await writeUpRepo(dir);
process.env.PATH = `${kindPath()}:${process.env.PATH}`;
console.error(`flinkship up --config ${spec} (the fixture, with this machine's mirrors)`);
process.exitCode = await runCli(
  [
    ...['up', '--config', spec, '--strimzi-manifests', manifests],
    ...['--base-image', need('FLINKSHIP_TESTBED_FLINK_BASE_IMAGE')],
    ...['--flink-home', need('FLINKSHIP_TESTBED_FLINK_HOME'), '--timeout', '20m'],
    ...process.argv.slice(2),
  ],
  { stdout: process.stdout, stderr: process.stderr },
);
