// The actions' entry: read the inputs once, through the same option parser as the CLI, run the verb,
// then set outputs and write the job summary. Errors become annotations; bad input exits 2.
import * as core from '@actions/core';
import { parseOptions, type OptionDefs, type RawValues } from '../cli/options.js';
import { ActionsUi } from '../ui/actions.js';
import { exitCodeOf, InputError } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';
import { VERBS } from '../verbs/index.js';

/** Runs `verbName`, or, for the root action, the verb named by the `command` input. */
export async function runAction(verbName?: string): Promise<number> {
  const ui = new ActionsUi();
  try {
    const name = verbName ?? core.getInput('command', { required: false });
    const verb = VERBS[name];
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
    const options = parseOptions(defs, raw, 'inputs');
    const result = await verb.run(options, ui);
    for (const [k, v] of Object.entries(verb.outputs(result))) ui.setOutput(k, v);
    await ui.summary(verb.summary(result));
    return 0;
  } catch (err) {
    const code = exitCodeOf(err);
    if (err instanceof InputError) {
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
