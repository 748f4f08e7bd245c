// The verbs that work. Later capabilities register theirs here.
import { buildVerb } from './build.js';
import { deleteVerb } from './delete.js';
import { envDownVerb, envSmokeVerb, envUpVerb } from './env.js';
import { deployVerb } from './deploy.js';
import { planVerb } from './plan.js';
import { upVerb } from './up.js';
import { validateVerb } from './validate.js';
import type { Verb } from './verb.js';

export const VERBS: Record<string, Verb> = {
  validate: validateVerb as unknown as Verb,
  plan: planVerb as unknown as Verb,
  build: buildVerb as unknown as Verb,
  deploy: deployVerb as unknown as Verb,
  delete: deleteVerb as unknown as Verb,
  'env up': envUpVerb as unknown as Verb,
  'env smoke': envSmokeVerb as unknown as Verb,
  'env down': envDownVerb as unknown as Verb,
  up: upVerb as unknown as Verb,
};
