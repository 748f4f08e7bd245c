// The actions' entry: read the inputs once, through the same option parser as the CLI, run the verb,
// print its result in the log (text or json, as the `output` input says), set outputs and write the job
// summary. Errors become annotations; bad input exits 2.
import path from 'node:path';
import * as core from '@actions/core';
import { parseOptions, type OptionDefs, type RawValues } from '../options/options.js';
import { ActionsUi } from '../ui/actions.js';
import { commandFreeJson } from '../ui/untrusted.js';
import { exitCodeOf, InputError } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';
import { loadVerb, VERBS } from '../verbs/index.js';
import type { Verb } from '../verbs/verb.js';

/** Runs `verbName`, or, for the root action, the verb named by the `command` input. */
export async function runAction(verbName?: string): Promise<number> {
  const ui = new ActionsUi();
  let verb: Verb | undefined;
  try {
    const name = verbName ?? core.getInput('command', { required: false });
    verb = await loadVerb(name);
    if (!verb) {
      const known = Object.keys(VERBS);
      throw new InputError([
        {
          file: '<inputs>',
          field: 'command',
          message: `found "${name}"${didYouMean(name, known)}; valid: ${known.join(', ')}`,
        },
      ]);
    }
    const defs = verb.options as OptionDefs;
    const raw: RawValues = {};
    for (const input of Object.keys(defs)) raw[input] = core.getInput(input);
    if (typeof raw.config === 'string' && raw.config !== '') raw.config = inWorkspace(raw.config);
    const options = parseOptions(defs, raw, 'inputs');
    const result = await verb.run(options, ui);
    // The result holds spec values: masked, and shown without acting on anything in it.
    ui.info(
      options.output === 'json' ? commandFreeJson(verb.json(result)) : verb.text(result).replace(/\n$/, ''),
    );
    for (const [k, v] of Object.entries(verb.outputs(result))) ui.setOutput(k, v);
    await ui.summary(verb.summary(result));
    return 0;
  } catch (err) {
    const code = exitCodeOf(err);
    if (err instanceof InputError) {
      for (const [k, v] of Object.entries(verb?.invalidOutputs ?? {})) core.setOutput(k, v);
      ui.issues(err.issues);
      core.setFailed(
        `flinkship: ${err.issues.length} invalid input${err.issues.length > 1 ? 's' : ''} (see the annotations)`,
      );
    } else {
      core.setFailed(ui.mask(err instanceof Error ? err.message : String(err)));
    }
    return code;
  }
}

/**
 * A relative `config` input names a file in the workspace, wherever the step runs. Kept relative to the
 * working directory when it can be, so annotations name the file as the repository does.
 */
function inWorkspace(file: string): string {
  const workspace = process.env.GITHUB_WORKSPACE;
  if (!workspace || path.isAbsolute(file)) return file;
  const relative = path.relative(process.cwd(), path.resolve(workspace, file));
  return relative.startsWith('..') ? path.resolve(workspace, file) : relative;
}
