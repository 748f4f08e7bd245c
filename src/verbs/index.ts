// The verbs that work, as a catalogue: a name, one line for --help, and how to load the verb. The CLI and
// the actions load only the verb they run, so `validate` and `plan` never load the Kubernetes client,
// dockerode or octokit, and `--help` and `--version` load no verb at all.
import type { Verb } from './verb.js';

export interface VerbEntry {
  /** One line for --help. */
  describe: string;
  load(): Promise<Verb>;
}

const entry = (describe: string, load: () => Promise<unknown>): VerbEntry => ({
  describe,
  load: load as () => Promise<Verb>,
});

export const VERBS: Record<string, VerbEntry> = {
  validate: entry(
    'Check flinkship.yaml against the schema and the semantic rules; report every problem with its file:line:col.',
    async () => (await import('./validate.js')).validateVerb,
  ),
  plan: entry(
    'Print what would be built and deployed to one environment: Dockerfile, Flink configuration, Kubernetes objects, Flink client argv.',
    async () => (await import('./plan.js')).planVerb,
  ),
  diff: entry(
    "Compare each environment's plan with the plan at the merge-base of a git ref (default: the pull request's base): Flink configuration, resources, RBAC rules, image, upgrade settings, and what a deploy would do.",
    async () => (await import('./diff.js')).diffVerb,
  ),
  build: entry(
    'Check the job jar, build the Flink job image through the Docker Engine API, tag it from git and push it by digest.',
    async () => (await import('./build.js')).buildVerb,
  ),
  deploy: entry(
    'Deploy to an environment in native application mode with the real Flink client: stateful upgrades (savepoint, last-state), a health gate, automatic rollback, and a revision in the release history.',
    async () => (await import('./deploy.js')).deployVerb,
  ),
  delete: entry(
    "Remove an environment's application cluster and its HA ConfigMaps, after a savepoint when the job is stateful.",
    async () => (await import('./delete.js')).deleteVerb,
  ),
  rollback: entry(
    'Go back to an earlier revision of the release history (default: the one before the current), from a savepoint of the running job (or --restore-from rollback-point), and gate it.',
    async () => (await import('./rollback.js')).rollbackVerb,
  ),
  promote: entry(
    'Promote the exact digest an environment verified to the one that names it in promoteFrom: gate on its release history (deployed, health gate passed, soaked), copy it registry to registry by digest, and deploy it with the release lifecycle.',
    async () => (await import('./promote.js')).promoteVerb,
  ),
  'preview up': entry(
    "Deploy a pull request's preview: its own cluster-id <cluster-id>-pr-<n> in the preview environment, stateless, a GitHub deployment preview/pr-<n> and one pull request comment saying what runs (or what failed).",
    async () => (await import('./preview.js')).previewUpVerb,
  ),
  'preview down': entry(
    "Take a pull request's preview down with everything it made (the cluster, its HA ConfigMaps, RBAC objects, release history, Lease), mark its GitHub deployments inactive and update the comment.",
    async () => (await import('./preview.js')).previewDownVerb,
  ),
  'preview export': entry(
    "Write a fork pull request's preview artifact (its jar and which pull request at which head) for the trusted workflow_run run to import.",
    async () => (await import('./previewArtifact.js')).previewExportVerb,
  ),
  'preview import': entry(
    "In the trusted workflow_run run: download a fork pull request's preview artifact, verify it against GitHub's own records (digest, run head, pull request head) and put its jar where the spec says.",
    async () => (await import('./previewArtifact.js')).previewImportVerb,
  ),
  'preview sweep': entry(
    'Remove the previews whose pull request is closed or whose ttl has passed, whatever is left of them (--dry-run lists them): for a scheduled workflow.',
    async () => (await import('./preview.js')).previewSweepVerb,
  ),
  history: entry(
    "List an environment's release history: every revision, its image, config, state, health verdict and where its state came from.",
    async () => (await import('./history.js')).historyVerb,
  ),
  status: entry(
    "Show an environment's live state (Deployment, job, restarts, newest checkpoint) next to its current revision.",
    async () => (await import('./history.js')).statusVerb,
  ),
  'env up': entry(
    'Bring up the integration environment: a kind cluster (or the current one), Strimzi Kafka with its topics, and Fluent Bit.',
    async () => (await import('./env.js')).envUpVerb,
  ),
  'env smoke': entry(
    'Deploy the fixture job through the deploy verb and check the output topic end to end, or run your own smoke command.',
    async () => (await import('./env.js')).envSmokeVerb,
  ),
  'env down': entry(
    'Collect diagnostics (with --diagnose) and delete the integration environment, unless --keep.',
    async () => (await import('./env.js')).envDownVerb,
  ),
  up: entry(
    "Build the job image, bring up the integration environment, deploy the job and run the smoke test (the README's main job).",
    async () => (await import('./up.js')).upVerb,
  ),
};

/** Loads a verb by name; undefined when there is no such verb. */
export async function loadVerb(name: string): Promise<Verb | undefined> {
  return VERBS[name]?.load();
}
