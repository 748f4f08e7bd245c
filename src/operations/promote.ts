// The promote operation: the exact digest the source environment verified goes to the destination, by a
// registry copy (never a rebuild) and a deploy with the full release lifecycle (stateful upgrade, health
// gate, rollback). Check every input (nothing contacted), read the source's release history, gate,
// check both registries' logins, copy, deploy with the promotion record on the new revision.
import { readDockerConfig, registryHost, repositoryPath, resolveCredentials } from '../build/credentials.js';
import { withCleanup, type RunCleanup } from '../deploy/cleanup.js';
import { parseClusterOptionsFor } from '../deploy/options.js';
import type { DeployResult } from '../deploy/render.js';
import { Kube } from '../executors/kube.js';
import { Registry } from '../executors/registry.js';
import { optionLabel, type Origin } from '../options/options.js';
import { environmentNames, plan } from '../plan/plan.js';
import { copyImage, type CopyReport } from '../promote/copy.js';
import { promotionGate, sqlScriptRefusal, type PromotionPolicy } from '../promote/gate.js';
import { current, HistoryStore, type PromotionRecord } from '../release/history.js';
import { resolveEnvironment } from '../spec/resolve.js';
import { loadSpec } from '../spec/load.js';
import type { Ui } from '../ui/ui.js';
import { InputError, OperationError, type InputIssue } from '../util/errors.js';
import { parseImageRef } from '../util/imageRef.js';
import { DURATION_HINT, parseDuration } from '../util/quantity.js';
import { checkDeployRequest } from './deployRequest.js';
import { deploy } from './deploy.js';

/** The environment variable the CLI reads the source registry's password from. */
export const SOURCE_PASSWORD_ENV = 'FLINKSHIP_SOURCE_REGISTRY_PASSWORD';

export interface PromoteRequest {
  config: string;
  /** The source environment; default: the destination's promoteFrom, which it must equal. */
  from?: string;
  to: string;
  /** An explicit repository@sha256:... the source ran, instead of its current revision. */
  image?: string;
  kubeconfig?: string;
  context?: string;
  sourceKubeconfig?: string;
  sourceContext?: string;
  timeout: string;
  restUrl?: string;
  clientImage?: string;
  flinkHome?: string;
  githubToken?: string;
  registry: { username?: string; password?: string; passwordStdin: boolean };
  sourceRegistry: { username?: string; password?: string };
  force: boolean;
  reason?: string;
  dryRun: boolean;
  origin: Origin;
}

export interface PromoteResult {
  from: string;
  to: string;
  sourceRevision: number;
  sourceImage: string;
  /** The destination reference, repository@digest. */
  image: string;
  digest: string;
  verifiedAt?: string;
  forced?: string;
  copy: CopyReport;
  dryRun: boolean;
  /** What the destination ran before (its current revision), if anything. */
  before?: { revision: number; image: string };
  /** True when the destination already ran this digest with this configuration: nothing changed. */
  unchanged: boolean;
  promotion?: PromotionRecord;
  deploy?: DeployResult;
}

export function promote(request: PromoteRequest, ui: Ui): Promise<PromoteResult> {
  return withCleanup(ui, (cleanup) => runPromote(request, ui, cleanup));
}

/** --reason: one line a person wrote, kept in the record (control characters and line separators refused). */
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const ONE_LINE = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]{1,300}$/;

async function runPromote(request: PromoteRequest, ui: Ui, cleanup: RunCleanup): Promise<PromoteResult> {
  const { origin } = request;
  const where = origin === 'flags' ? '<flags>' : '<inputs>';
  const flag = (name: string, message: string): InputIssue => ({
    file: where,
    field: optionLabel(name, origin),
    message,
  });

  // 1. Input, all of it, before anything outside is contacted.
  const loaded = loadSpec(request.config);
  const names = environmentNames(loaded);
  const issues: InputIssue[] = [];
  if (!names.includes(request.to)) {
    throw new InputError([
      flag('to', `found "${request.to}"; valid: ${names.join(', ') || '(no environments)'}`),
    ]);
  }
  const to = resolveEnvironment(loaded.spec, request.to);
  if (to.promoteFrom === undefined) {
    throw new InputError([
      flag(
        'to',
        `environment ${to.name} names no promoteFrom in ${loaded.file}; set promoteFrom: <the environment it takes verified images from> under environments.${to.name}`,
      ),
    ]);
  }
  const fromName = request.from ?? to.promoteFrom;
  if (fromName !== to.promoteFrom) {
    issues.push(
      flag(
        'from',
        `found "${fromName}"; ${to.name} takes images only from ${to.promoteFrom} (its promoteFrom in ${loaded.file})`,
      ),
    );
  }
  const from = resolveEnvironment(loaded.spec, to.promoteFrom);
  let requestedDigest: string | undefined;
  if (request.image !== undefined) {
    requestedDigest = parseImageRef(request.image)?.digest;
    if (!requestedDigest) {
      issues.push(
        flag('image', `found "${request.image}"; expected an image by digest, repository@sha256:<64 hex>`),
      );
    }
  }
  if (request.reason !== undefined && !ONE_LINE.test(request.reason)) {
    issues.push(flag('reason', 'expected one line of at most 300 characters, without control characters'));
  }
  const soakText = to.promotion.soak;
  const soakMs = soakText === undefined ? undefined : parseDuration(soakText);
  if (soakText !== undefined && soakMs === undefined) {
    issues.push({
      file: loaded.file,
      field: `environments.${to.name}.promotion.soak`,
      message: `found "${soakText}"; expected ${DURATION_HINT}`,
    });
  }
  if (request.force && to.promotion.requireVerified) {
    // Said now, not after the gate: --force can never apply here.
    issues.push(
      flag(
        'force',
        `${to.name} sets promotion.requireVerified: true in ${loaded.file}: only verified revisions are promoted there`,
      ),
    );
  }
  const half = (u?: string, p?: string) => (u === undefined) !== (p === undefined);
  if (request.sourceRegistry.username !== undefined && request.sourceRegistry.password === undefined) {
    issues.push(
      flag(
        'source-registry-username',
        origin === 'flags'
          ? `given without a password; set ${SOURCE_PASSWORD_ENV}`
          : 'given without source-registry-password',
      ),
    );
  } else if (half(request.sourceRegistry.username, request.sourceRegistry.password)) {
    issues.push(flag('source-registry-username', 'required with the source registry password'));
  }
  const dstCluster = parseClusterOptionsFor(
    cleanup,
    {
      timeout: request.timeout,
      ...(request.kubeconfig !== undefined ? { kubeconfig: request.kubeconfig } : {}),
      ...(request.context !== undefined ? { context: request.context } : {}),
      ...(request.restUrl !== undefined ? { 'rest-url': request.restUrl } : {}),
    },
    origin,
    loaded,
    to,
  );
  issues.push(...dstCluster.issues);
  const sourceKubeconfig = request.sourceKubeconfig ?? request.kubeconfig;
  const srcCluster = parseClusterOptionsFor(
    cleanup,
    {
      timeout: request.timeout,
      ...(sourceKubeconfig !== undefined ? { kubeconfig: sourceKubeconfig } : {}),
      ...(request.sourceContext !== undefined ? { context: request.sourceContext } : {}),
    },
    origin,
    loaded,
    from,
  );
  issues.push(
    ...srcCluster.issues
      .filter((i) => !issues.some((d) => d.field === i.field && d.message === i.message))
      .map((i) => ({ ...i, field: i.field.replace(/^(--)?(kubeconfig|context)$/, '$1source-$2') })),
  );
  const srcPlan = plan(loaded, from.name);
  const dstRepository = to.image.repository;
  // The deploy's own checks (client image, flink home, ...), now: the digest is only known once the
  // source history is read, so a well-formed stand-in digest takes its place for this check.
  if (issues.length === 0) {
    checkDeployRequest(
      {
        config: request.config,
        env: to.name,
        image: `${dstRepository}@${requestedDigest ?? `sha256:${'0'.repeat(64)}`}`,
        ...(request.kubeconfig !== undefined ? { kubeconfig: request.kubeconfig } : {}),
        ...(request.context !== undefined ? { context: request.context } : {}),
        timeout: request.timeout,
        ...(request.restUrl !== undefined ? { restUrl: request.restUrl } : {}),
        ...(request.clientImage !== undefined ? { clientImage: request.clientImage } : {}),
        ...(request.flinkHome !== undefined ? { flinkHome: request.flinkHome } : {}),
        origin,
      },
      cleanup,
    );
  }
  if (issues.length) throw new InputError(issues);
  const policy: PromotionPolicy = {
    from: from.name,
    to: to.name,
    ...(soakText !== undefined && soakMs !== undefined ? { soak: { text: soakText, ms: soakMs } } : {}),
    requireVerified: to.promotion.requireVerified === true,
  };

  // 2. The source's release history (read only), and the gate.
  const srcKube = Kube.load(srcCluster.options!.target, { ui });
  const gate = await ui.group(
    `Gate: ${from.name} (${srcPlan.namespace}/${srcPlan.clusterId} in context ${srcKube.context})`,
    async () => {
      const store = new HistoryStore(srcKube, srcPlan.namespace, srcPlan.clusterId, from.name);
      const history = await store.read();
      const verdict = promotionGate(policy, history, request.image, new Date(), request.force);
      if (!verdict.ok)
        throw new OperationError(`refused: ${verdict.refusal}; nothing was copied or deployed`);
      const r = verdict.revision;
      if ('forced' in verdict) {
        ui.warning(
          `--force: promoting revision ${r.revision} of ${from.name} although ${verdict.forced}; the promotion record says so`,
        );
      } else {
        ui.info(
          `${from.name} revision ${r.revision} (${r.image}) is deployed and passed its health gate at ${verdict.verifiedAt} (${r.health?.reason ?? 'healthy'})${policy.soak ? `, soaked for at least ${policy.soak.text}` : ''}`,
        );
      }
      return verdict;
    },
  );
  const source = gate.revision;
  const sqlRefusal = sqlScriptRefusal(policy, source, plan(loaded, to.name).sql?.digest);
  if (sqlRefusal) throw new OperationError(`refused: ${sqlRefusal}; nothing was copied or deployed`);
  const sourceRef = parseImageRef(source.image);
  const digest = source.digest ?? sourceRef?.digest;
  if (!sourceRef || !digest) {
    throw new OperationError(
      `${from.name} revision ${source.revision} ran ${source.image}, which is not a reference by digest: only a digest can be promoted`,
    );
  }

  // 3. Logins: pull on the source, push on the destination, checked before anything is copied.
  const srcHost = registryHost(sourceRef.repository);
  const dstHost = registryHost(dstRepository);
  const srcPath = repositoryPath(sourceRef.repository);
  const dstPath = repositoryPath(dstRepository);
  const dockerConfig = await readDockerConfig();
  const dstCredentials = await resolveCredentials(
    {
      ...(request.registry.username !== undefined ? { 'registry-username': request.registry.username } : {}),
      ...(request.registry.password !== undefined ? { 'registry-password': request.registry.password } : {}),
      'registry-password-stdin': request.registry.passwordStdin,
    },
    origin,
    dstHost,
    dockerConfig,
    ui,
  );
  if (request.sourceRegistry.password !== undefined) ui.secret(request.sourceRegistry.password);
  const srcCredentials =
    request.sourceRegistry.username !== undefined && request.sourceRegistry.password !== undefined
      ? {
          username: request.sourceRegistry.username,
          password: request.sourceRegistry.password,
          from: 'source-registry-username',
        }
      : srcHost === dstHost && dstCredentials
        ? dstCredentials
        : await resolveCredentials({ 'registry-password-stdin': false }, origin, srcHost, dockerConfig, ui);
  const srcRegistry = new Registry(srcHost, srcCredentials);
  const dstRegistry =
    srcHost === dstHost && srcCredentials === dstCredentials
      ? srcRegistry
      : new Registry(dstHost, dstCredentials);
  await ui.group(`Check the logins: pull ${srcHost}/${srcPath}, push ${dstHost}/${dstPath}`, async () => {
    await dstRegistry.checkPushAccess(dstPath);
    ui.info(
      `${dstHost}: ${dstCredentials ? `logged in as ${dstCredentials.username} (${dstCredentials.from})` : 'no login needed'}`,
    );
    ui.info(
      `${srcHost}: ${srcCredentials ? `logged in as ${srcCredentials.username} (${srcCredentials.from})` : 'no login needed'}`,
    );
  });

  // 4. What the destination runs now (read only): the run says when it changes nothing.
  const dstKube = Kube.load(dstCluster.options!.target, { ui });
  const dstPlan = plan(loaded, to.name, { image: `${dstRepository}@${digest}` });
  const before = current(
    await new HistoryStore(dstKube, dstPlan.namespace, dstPlan.clusterId, to.name).read(),
  );
  const image = `${dstRepository}@${digest}`;
  const already = before?.digest === digest && before.configHash === dstPlan.configHash;

  // 5. The copy, by digest.
  const copy = await ui.group(
    `${request.dryRun ? 'Dry run: copy' : 'Copy'} ${digest.slice(0, 19)}… ${srcHost}/${srcPath} → ${dstHost}/${dstPath}`,
    () =>
      copyImage(
        { registry: srcRegistry, host: srcHost, path: srcPath },
        { registry: dstRegistry, host: dstHost, path: dstPath },
        digest,
        { dryRun: request.dryRun, ui },
      ),
  );
  const promotion: PromotionRecord = {
    from: from.name,
    sourceRevision: source.revision,
    sourceImage: source.image,
    image,
    digest,
    ...(gate.verifiedAt ? { verifiedAt: gate.verifiedAt } : {}),
    ...(source.runUrl ? { verifiedBy: source.runUrl } : {}),
    ...(process.env.GITHUB_ACTOR ? { promotedBy: process.env.GITHUB_ACTOR } : {}),
    promotedAt: new Date().toISOString(),
    ...(request.reason ? { reason: request.reason } : {}),
    ...('forced' in gate ? { forced: gate.forced } : {}),
    copy: {
      mounted: copy.blobs.filter((b) => b.action === 'mounted').length,
      uploaded: copy.blobs.filter((b) => b.action === 'uploaded').length,
      present: copy.blobs.filter((b) => b.action === 'present').length,
      bytesUploaded: copy.bytes.uploaded,
    },
  };
  const base = {
    from: from.name,
    to: to.name,
    sourceRevision: source.revision,
    sourceImage: source.image,
    image,
    digest,
    ...(gate.verifiedAt ? { verifiedAt: gate.verifiedAt } : {}),
    ...('forced' in gate ? { forced: gate.forced } : {}),
    copy,
    dryRun: request.dryRun,
    ...(before ? { before: { revision: before.revision, image: before.image } } : {}),
  };
  if (request.dryRun) {
    ui.info(
      already
        ? `${to.name} already runs ${digest} with this configuration (revision ${before!.revision}): a promotion would change nothing`
        : `the deploy would ${before ? `upgrade ${to.name} from revision ${before.revision} (${before.image}) with upgradeMode ${to.upgradeMode}` : `create ${to.name}'s first revision`} to ${image}`,
    );
    return { ...base, unchanged: already };
  }

  // 6. Deploy the destination with the whole lifecycle; the promotion record goes on the new revision.
  const deployed = await deploy(
    {
      config: request.config,
      env: to.name,
      image,
      ...(request.kubeconfig !== undefined ? { kubeconfig: request.kubeconfig } : {}),
      ...(request.context !== undefined ? { context: request.context } : {}),
      timeout: request.timeout,
      ...(request.restUrl !== undefined ? { restUrl: request.restUrl } : {}),
      ...(request.clientImage !== undefined ? { clientImage: request.clientImage } : {}),
      ...(request.flinkHome !== undefined ? { flinkHome: request.flinkHome } : {}),
      ...(request.githubToken !== undefined ? { githubToken: request.githubToken } : {}),
      promotion,
      origin,
    },
    ui,
  );
  const unchanged = deployed.action === 'unchanged';
  if (unchanged) {
    ui.info(
      `${to.name} already runs ${digest} with this configuration (revision ${deployed.revision}): nothing changed`,
    );
  }
  return { ...base, unchanged, ...(unchanged ? {} : { promotion }), deploy: deployed };
}
