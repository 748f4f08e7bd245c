// A verb is what the CLI and the actions both run: typed options in, a result out, rendered for the
// terminal (text or JSON), for action outputs and for the job summary.
import type { OptionDefs, OptionsOf } from '../options/options.js';
import type { Ui } from '../ui/ui.js';

export interface Verb<Defs extends OptionDefs = OptionDefs, R = unknown> {
  name: string;
  options: Defs;
  run(options: OptionsOf<Defs>, ui: Ui): Promise<R>;
  text(result: R): string;
  json(result: R): unknown;
  outputs(result: R): Record<string, string>;
  summary(result: R): string;
  /** Outputs set when the verb stops at invalid input (validate: valid=false). */
  invalidOutputs?: Record<string, string>;
}

export function defineVerb<Defs extends OptionDefs, R>(verb: Verb<Defs, R>): Verb<Defs, R> {
  return verb;
}
