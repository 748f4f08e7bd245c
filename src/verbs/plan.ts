// `flinkship plan --env <name> [--image <ref>]`: everything a deploy would do, without doing any of it.
import { COMMON_OPTIONS } from '../options/options.js';
import { plan, type Plan } from '../plan/plan.js';
import { renderPlanMarkdown } from '../plan/render.js';
import { loadSpec } from '../spec/load.js';
import { defineVerb } from './verb.js';

// The action prints the plan and writes the same Markdown to the job summary: render it once per plan.
const rendered = new WeakMap<Plan, string>();
function markdownOf(p: Plan): string {
  let md = rendered.get(p);
  if (md === undefined) {
    md = renderPlanMarkdown(p);
    rendered.set(p, md);
  }
  return md;
}

export const planVerb = defineVerb({
  name: 'plan',
  options: {
    ...COMMON_OPTIONS,
    env: {
      kind: 'string',
      required: true,
      description: 'The environment of the spec to plan for.',
      valueName: 'name',
    },
    image: {
      kind: 'string',
      description:
        'The image to deploy, by digest (repository@sha256:...); defaults to what the build will produce.',
      valueName: 'ref',
    },
  },
  async run(options, ui): Promise<Plan> {
    return ui.group(`Plan ${options.config} for ${options.env}`, async () => {
      const loaded = loadSpec(options.config);
      const result = plan(loaded, options.env, { image: options.image });
      if (!result.build.pinned) {
        ui.warning(
          `image.base ${result.build.base} is not pinned by digest; set image.baseDigest so that every build starts from the same bytes`,
          { file: loaded.file, ...loaded.locate(['image', 'base']) },
        );
      }
      return result;
    });
  },
  text: (p) => markdownOf(p),
  json: (p) => p,
  outputs: (p) => ({
    plan: JSON.stringify(p),
    'cluster-id': p.clusterId,
    namespace: p.namespace,
    // Empty, not a placeholder, until a build or the image input gives the digest.
    image: p.image.resolved ? p.image.ref : '',
    'config-hash': p.configHash,
    'upgrade-mode': p.upgradeMode,
    dockerfile: p.build.dockerfile,
    'flink-config': p.flinkConfiguration.file.content,
    'client-argv': JSON.stringify(p.client.argv),
  }),
  summary: (p) => markdownOf(p),
});
