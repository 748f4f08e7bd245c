// `flinkship validate`: load the spec, check it whole, report every problem at its line.
import { COMMON_OPTIONS } from '../options/options.js';
import { loadSpec } from '../spec/load.js';
import { defineVerb } from './verb.js';

export interface ValidateResult {
  valid: true;
  file: string;
  job: string;
  flinkVersion: string;
  environments: string[];
}

export const validateVerb = defineVerb({
  name: 'validate',
  options: { ...COMMON_OPTIONS },
  async run(options, ui): Promise<ValidateResult> {
    return ui.group(`Validate ${options.config}`, async () => {
      const loaded = loadSpec(options.config);
      for (const w of loaded.warnings ?? []) {
        ui.warning(`${w.field}: ${w.message}`, {
          file: w.file,
          ...(w.line !== undefined ? { line: w.line } : {}),
          ...(w.col !== undefined ? { col: w.col } : {}),
        });
      }
      return {
        valid: true,
        file: options.config,
        job: loaded.spec.name,
        flinkVersion: loaded.spec.flinkVersion,
        environments: Object.keys(loaded.spec.environments ?? {}),
      };
    });
  },
  text: (r) =>
    `${r.file}: valid. Job ${r.job}, Flink ${r.flinkVersion}, environments: ${r.environments.join(', ') || 'none'}.\n`,
  json: (r) => r,
  outputs: (r) => ({
    valid: 'true',
    job: r.job,
    'flink-version': r.flinkVersion,
    environments: JSON.stringify(r.environments),
  }),
  invalidOutputs: { valid: 'false' },
  summary: (r) =>
    `### flinkship validate\n\n\`${r.file}\` is valid: job **${r.job}**, Flink ${r.flinkVersion}, environments ${r.environments.map((e) => `\`${e}\``).join(', ')}.\n`,
});
