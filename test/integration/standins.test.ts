// Flinkship's Fluent Bit configuration, read by a parser that is not Flinkship's: the Fluent Bit STAND-IN's
// own reader of the classic format (scripts/testbed.d/standins), in its image, with Fluent Bit's
// --dry-run. It accepts only the plugins and keys the stand-in honours, so what Flinkship renders and what
// ships the logs in the kind tests cannot drift apart unnoticed.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fluentBitConfig } from '../../src/integration/fluentBit.js';
import { run } from '../helpers/run.js';
import { testbed } from './testbed.js';

describe("the Fluent Bit configuration Flinkship renders, by the stand-in's independent parser", () => {
  const image = testbed('FLINKSHIP_TESTBED_FLUENT_BIT_STANDIN_IMAGE');
  testbed('DOCKER_HOST');
  const dir = mkdtempSync(path.join(tmpdir(), 'flinkship-fb-conf-'));
  chmodSync(dir, 0o755); // Read by the image's user (uid 1001).
  const rendered = fluentBitConfig({
    namespace: 'logging',
    match: 'kube.var.log.containers.log-producer*',
    topic: 'logs',
    brokers: 'my-cluster-kafka-bootstrap.kafka.svc:9092',
  });
  const dryRun = async (name: string, text: string) => {
    writeFileSync(path.join(dir, name), text, { mode: 0o644 });
    return run(
      'docker',
      [
        ...['run', '--rm', '--network', 'none', '-v', `${dir}:/conf:ro`, image],
        ...['/fluent-bit/bin/fluent-bit', '--dry-run', '-c', `/conf/${name}`],
      ],
      { timeoutMs: 120_000 },
    );
  };

  it('accepts what env up renders', async () => {
    const r = await dryRun('fluent-bit.conf', rendered);
    expect(r.stderr).toBe('');
    expect([r.code, r.stdout.trim()]).toEqual([0, 'configuration test is successful']);
  });

  it.each([
    [
      'an unknown key',
      rendered.replace('Skip_Long_Lines', 'Skip_Long_Linez'),
      'line 9: [input/tail] has the unknown key skip_long_linez',
    ],
    [
      'an include',
      `@INCLUDE other.conf\n${rendered}`,
      'line 1: @INCLUDE other.conf: @INCLUDE and @SET are not supported',
    ],
    [
      'another output',
      rendered.replace('Name               kafka', 'Name               stdout'),
      '[output] plugin stdout is not supported by the stand-in',
    ],
    [
      'a key given twice',
      rendered.replace('    Brokers', '    Topics             x\n    Brokers'),
      'Topics is given twice in [output]',
    ],
    ['an entry outside any section', `Flush 1\n${rendered}`, 'line 1: an entry outside any section: Flush 1'],
  ])('refuses %s, naming the line', async (_what, text, message) => {
    const r = await dryRun('bad.conf', text);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
  });
});
