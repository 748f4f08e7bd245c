// flinkship's memory check (memoryProblem in src/spec/flinkOptions.ts) held to Flink's own: for a grid of
// JobManager and TaskManager process sizes and memory settings, Flink's JobManagerProcessUtils and
// TaskExecutorProcessUtils (scripts/flink-options/MemoryCheck.java, on the classpath of each catalogued
// Flink release that scripts/flink-options/generate resolved) say whether the process would start, and
// flinkship must say the same, case by case.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOGUED_VERSIONS, flinkOptions, memoryProblem } from '../../src/spec/flinkOptions.js';

const tools = process.env.FLINKSHIP_TOOLS_HOME ?? path.join(homedir(), '.cache', 'flinkship-tools');
const MB = 1024 * 1024;

interface Case {
  role: 'jobmanager' | 'taskmanager';
  processMb: number;
  conf: Record<string, string>;
}

const JM_SETTINGS: Record<string, string>[] = [
  {},
  { 'jobmanager.memory.jvm-metaspace.size': '128m' },
  { 'jobmanager.memory.off-heap.size': '64m', 'jobmanager.memory.jvm-overhead.min': '64m' },
  { 'jobmanager.memory.jvm-overhead.fraction': '0.25', 'jobmanager.memory.jvm-overhead.max': '512m' },
  // The heap or the total Flink memory given beside the process size: the overhead is what is left.
  { 'jobmanager.memory.heap.size': '512m' },
  { 'jobmanager.memory.flink.size': '640m' },
];
const TM_SETTINGS: Record<string, string>[] = [
  {},
  { 'taskmanager.memory.managed.fraction': '0.1' },
  { 'taskmanager.memory.managed.size': '64m' },
  { 'taskmanager.memory.network.min': '32m', 'taskmanager.memory.network.fraction': '0.2' },
  { 'taskmanager.memory.task.off-heap.size': '64m', 'taskmanager.memory.jvm-metaspace.size': '96m' },
  { 'taskmanager.memory.flink.size': '768m' },
  // The task heap given: the network memory is what is left.
  { 'taskmanager.memory.task.heap.size': '300m' },
  { 'taskmanager.memory.task.heap.size': '128m', 'taskmanager.memory.managed.fraction': '0.2' },
];

function cases(): Case[] {
  const out: Case[] = [];
  for (let mb = 64; mb <= 1400; mb += 24) {
    for (const conf of JM_SETTINGS) out.push({ role: 'jobmanager', processMb: mb, conf });
    for (const conf of TM_SETTINGS) out.push({ role: 'taskmanager', processMb: mb, conf });
  }
  return out;
}

function flinkVerdicts(release: string, all: Case[]): Promise<string[]> {
  const classpathFile = path.join(tools, 'flink-options', release, 'classpath');
  if (!existsSync(classpathFile))
    throw new Error(`${classpathFile} is missing: run scripts/flink-options/generate (npm test runs it)`);
  const input = all
    .map(
      (c) =>
        `${c.role} ${[`${c.role}.memory.process.size=${c.processMb}m`, ...Object.entries(c.conf).map(([k, v]) => `${k}=${v}`)].join(';')}`,
    )
    .join('\n');
  return new Promise((resolve, reject) => {
    const child = execFile(
      'java',
      ['-cp', readFileSync(classpathFile, 'utf8').trim(), 'scripts/flink-options/MemoryCheck.java'],
      { maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout.trim().split('\n')),
    );
    child.stdin!.end(`${input}\n`);
  });
}

describe("flinkship's memory check agrees with Flink's own", () => {
  it.each(CATALOGUED_VERSIONS.map((v) => [v]))(
    'Flink %s',
    async (version) => {
      const catalogue = flinkOptions(version)!;
      const all = cases();
      const flink = await flinkVerdicts(catalogue.release, all);
      expect(flink).toHaveLength(all.length);
      const disagreements = all
        .map((c, i) => {
          const ours = memoryProblem(c.role, c.processMb * MB, c.conf, catalogue);
          const theirs = flink[i]!;
          return (ours === undefined) === (theirs === 'ok')
            ? undefined
            : `${c.role} ${c.processMb}m ${JSON.stringify(c.conf)}: flinkship ${ours ?? 'ok'}; Flink ${theirs}`;
        })
        .filter(Boolean);
      expect(disagreements).toEqual([]);
      // The grid crosses the boundary both ways: some processes start, some do not.
      expect(flink.filter((v) => v === 'ok').length).toBeGreaterThan(0);
      expect(flink.filter((v) => v !== 'ok').length).toBeGreaterThan(0);
    },
    180_000,
  );
});
