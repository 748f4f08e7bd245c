// The Kubernetes API, through @kubernetes/client-node. Nothing else in Flinkship talks to a cluster.
// Every call is retried within bounds when the failure is transient (conflict, 5xx, reset), every
// write is a server-side apply with field manager `flinkship`, and every wait is a bounded watch that
// says what it waits for and what it last saw.
import { existsSync } from 'node:fs';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest } from 'node:http';
import {
  AuthorizationV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  Watch,
  loadYaml,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { FIELD_MANAGER } from '../plan/kubernetes.js';
import type { KubeObject } from '../plan/objects.js';
import type { Ui } from '../ui/ui.js';
import { InputError, OperationError, type InputIssue } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';
import { kubeconfigFiles, scanKubeconfigs } from './kubeconfigSecrets.js';
import { describeError, httpFailureOf, isRetryable, withRetry, type RetryPolicy } from './retry.js';

/** The typed objects operations read back (observed state), so only this executor imports client-node. */
export type { CoreV1Event, V1Deployment, V1Pod } from '@kubernetes/client-node';

export interface KubeTarget {
  /** A kubeconfig file; without it, KUBECONFIG or ~/.kube/config (client-node's default loading). */
  kubeconfig?: string;
  /** A context of that kubeconfig; without it, the kubeconfig's current context. */
  context?: string;
  /** How the two are named in messages: a flag, an input or a spec field, with where it is. */
  labels?: { kubeconfig?: Omit<InputIssue, 'message'>; context?: Omit<InputIssue, 'message'> };
}

/** One permission: `verb` on `resource` (plural, with `group`) in `namespace` (none: cluster-scoped). */
export interface Permission {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
}

export function describePermission(p: Permission): string {
  const res = `${p.resource}${p.subresource ? `/${p.subresource}` : ''}${p.group ? `.${p.group}` : ''}`;
  return `${p.verb} ${res}${p.namespace ? ` in namespace ${p.namespace}` : ' (cluster-wide)'}`;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** What a wait sees in each version of the object: whether it is done, and a short status to report. */
export interface WaitCheck {
  done: boolean;
  /** e.g. "0/1 ready"; printed in progress lines and in the timeout error. */
  status: string;
  /** The object can no longer become done (e.g. ProgressDeadlineExceeded): stop waiting, say why. */
  failed?: string;
}

export interface WaitSpec<T extends KubernetesObject> extends ObjectRef {
  /** What is awaited, e.g. "Deployment flink-staging/log-cleaner Available". */
  describe: string;
  timeoutMs: number;
  /** Called with every version seen; `undefined` while the object does not exist (or once deleted). */
  check(obj: T | undefined): WaitCheck;
  /** How often a progress line is printed while nothing changes (default 10 s). */
  progressEveryMs?: number;
}

/**
 * What the writes take: Flinkship's own KubeObject, which every caller outside the executors builds, or
 * one of client-node's typed objects (V1ConfigMap, ...) that this executor's own tests write.
 */
type Writable = KubeObject | KubernetesObject;

export interface ApplyOptions {
  /** Default true: Flinkship takes over fields another manager set (e.g. a label someone edited by hand). */
  force?: boolean;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

/** Retries for API calls: bounded by attempts and by time, so a dead API server fails within a minute. */
export const KUBE_RETRY: RetryPolicy = {
  attempts: 6,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
  deadlineMs: 45_000,
};

/** Exposes the request path client-node derives for any object (via discovery, cached per client). */
class ObjectApi extends KubernetesObjectApi {
  static forConfig(kc: KubeConfig): ObjectApi {
    const api = kc.makeApiClient(ObjectApi);
    api.setDefaultNamespace(kc);
    return api;
  }
  collectionPath(ref: { apiVersion: string; kind: string; namespace?: string }): Promise<string> {
    return this.specUriPath(
      { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { namespace: ref.namespace } },
      'list',
    );
  }
}

export function isNotFound(err: unknown): boolean {
  return httpFailureOf(err)?.status === 404;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)}s`;
}

/**
 * An object as written in YAML or JSON, in the shape client-node's serializer reads. The serializer writes
 * each field from the model's own name for it, which differs from the API's for a few: a CRD schema's
 * enum, default, $ref and x-kubernetes-* (read as _enum, _default, ref, x_kubernetes_*), a
 * NetworkPolicy's from. A plain object passed as it is loses those fields without a word (a Strimzi CRD
 * lost x-kubernetes-preserve-unknown-fields, and every Kafka its broker config); client-node's own
 * loadYaml turns it into the model first. Objects read from the API already are models.
 */
export function asModel<T>(obj: T): T {
  return Object.getPrototypeOf(obj) === Object.prototype ? loadYaml<T>(JSON.stringify(obj)) : obj;
}

export class Kube {
  /** API requests made so far (each attempt and each watch counts once), for benchmarks. */
  requests = 0;
  private readonly objects: ObjectApi;

  private constructor(
    readonly config: KubeConfig,
    /** The context in use, for messages. */
    readonly context: string,
    private readonly retryPolicy: RetryPolicy,
    private readonly ui?: Ui,
  ) {
    this.objects = ObjectApi.forConfig(config);
  }

  /**
   * Loads a kubeconfig and selects a context. A missing file or an unknown context is an InputError
   * that names the flag (or input, or spec field) and what would be valid. Nothing is contacted yet.
   */
  static load(target: KubeTarget, options: { ui?: Ui; retry?: RetryPolicy } = {}): Kube {
    const kubeconfigLabel = target.labels?.kubeconfig ?? { file: '<flags>', field: '--kubeconfig' };
    const contextLabel = target.labels?.context ?? { file: '<flags>', field: '--context' };
    const kc = new KubeConfig();
    const fix =
      kubeconfigLabel.file === '<inputs>' ? `the ${kubeconfigLabel.field} input` : kubeconfigLabel.field;
    try {
      if (target.kubeconfig !== undefined && !existsSync(target.kubeconfig)) {
        throw new InputError([
          {
            ...kubeconfigLabel,
            message: `no such file: ${target.kubeconfig}; expected the path of a kubeconfig file`,
          },
        ]);
      }
      // Credentials are masked before anything parses the file, whose errors would quote it.
      const syntax = scanKubeconfigs(kubeconfigFiles(target.kubeconfig), (s) => options.ui?.secret(s));
      if (syntax) {
        throw new InputError([
          { ...kubeconfigLabel, message: `${syntax}; fix the file or give another with ${fix}` },
        ]);
      }
      if (target.kubeconfig !== undefined) kc.loadFromFile(target.kubeconfig);
      else kc.loadFromDefault();
    } catch (err) {
      if (err instanceof InputError) throw err;
      // A parser's message quotes the file: say only where, never what.
      const mark = (err as { mark?: { line?: number } }).mark;
      const why =
        mark?.line !== undefined ? `not valid YAML at line ${mark.line + 1}` : (err as Error).message;
      throw new InputError([
        {
          ...kubeconfigLabel,
          message: `cannot read the kubeconfig ${target.kubeconfig ?? '(KUBECONFIG or ~/.kube/config)'}: ${why}`,
        },
      ]);
    }
    // Credentials in the kubeconfig never reach a log, whichever context is used (loaded from any source).
    for (const user of kc.getUsers()) {
      const provider = user.authProvider as { config?: Record<string, string> } | undefined;
      for (const value of [
        user.token,
        user.password,
        user.keyData,
        ...Object.values(provider?.config ?? {}),
      ]) {
        if (typeof value === 'string' && value) options.ui?.secret(value);
      }
    }
    const names = kc.getContexts().map((c) => c.name);
    const wanted = target.context ?? kc.getCurrentContext();
    if (!wanted || !names.includes(wanted)) {
      const where = target.kubeconfig ?? 'the default kubeconfig';
      throw new InputError([
        {
          ...(target.context !== undefined ? contextLabel : kubeconfigLabel),
          message: wanted
            ? `context "${wanted}" is not in ${where}${didYouMean(wanted, names)}; valid: ${names.length ? names.join(', ') : 'none (the kubeconfig has no contexts)'}`
            : `${where} names no current context; give one of: ${names.join(', ') || '(none: the kubeconfig has no contexts)'}`,
        },
      ]);
    }
    kc.setCurrentContext(wanted);
    if (!kc.getCurrentCluster()) {
      throw new InputError([
        {
          ...contextLabel,
          message: `context "${wanted}" names a cluster that ${target.kubeconfig} does not define`,
        },
      ]);
    }
    return new Kube(kc, wanted, options.retry ?? KUBE_RETRY, options.ui);
  }

  /** The API server's URL (no credentials). */
  get server(): string {
    return this.config.getCurrentCluster()!.server;
  }

  /** Runs one API call with bounded retries of transient failures; each attempt is counted. */
  async call<T>(what: string, op: () => Promise<T>): Promise<T> {
    return withRetry(
      what,
      () => {
        this.requests++;
        return op();
      },
      {
        policy: this.retryPolicy,
        onRetry: (attempt, err, delayMs) =>
          this.ui?.info(
            `${what}: attempt ${attempt} failed (${describeError(err)}); retrying in ${delayMs} ms`,
          ),
      },
    );
  }

  /** Server-side apply with field manager `flinkship` (forced by default). Returns the object as stored. */
  async apply<T extends Writable>(obj: T, options: ApplyOptions = {}): Promise<T> {
    const ref = refOf(obj);
    const body = asModel(obj);
    return this.call(`apply ${describeRef(ref)}`, () =>
      this.objects.patch<T>(
        body,
        undefined,
        undefined,
        FIELD_MANAGER,
        options.force ?? true,
        PatchStrategy.ServerSideApply,
      ),
    );
  }

  /** The object, or undefined when it does not exist. */
  async get<T extends KubernetesObject>(ref: ObjectRef): Promise<T | undefined> {
    try {
      return await this.call(`get ${describeRef(ref)}`, () =>
        this.objects.read<T>({
          apiVersion: ref.apiVersion,
          kind: ref.kind,
          metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
        }),
      );
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list<T extends KubernetesObject>(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    options: ListOptions = {},
  ): Promise<{ items: T[]; resourceVersion?: string }> {
    const where = `${kind} objects${namespace ? ` in ${namespace}` : ''}${options.labelSelector ? ` (${options.labelSelector})` : ''}`;
    try {
      const list = await this.call(`list ${where}`, () =>
        this.objects.list<T>(
          apiVersion,
          kind,
          namespace,
          undefined,
          undefined,
          undefined,
          options.fieldSelector,
          options.labelSelector,
        ),
      );
      return { items: list.items, resourceVersion: list.metadata?.resourceVersion };
    } catch (err) {
      // A namespace that does not exist yet holds nothing.
      if (isNotFound(err)) return { items: [] };
      throw err;
    }
  }

  /** Deletes the object; false when it was already gone. */
  async delete(
    ref: ObjectRef,
    options: { propagationPolicy?: 'Foreground' | 'Background' | 'Orphan' } = {},
  ): Promise<boolean> {
    try {
      await this.call(`delete ${describeRef(ref)}`, () =>
        this.objects.delete(
          {
            apiVersion: ref.apiVersion,
            kind: ref.kind,
            metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
          },
          undefined,
          undefined,
          undefined,
          undefined,
          options.propagationPolicy ?? 'Background',
        ),
      );
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /**
   * SelfSubjectAccessReviews, one per permission (in parallel): the ones the current user lacks. With a
   * `subject` (a ServiceAccount's user name and groups), LocalSubjectAccessReviews of that subject
   * instead, in each permission's namespace.
   */
  async missingPermissions(
    permissions: Permission[],
    subject?: { user: string; groups: string[] },
  ): Promise<Permission[]> {
    const api = this.config.makeApiClient(AuthorizationV1Api);
    const results = await Promise.all(
      permissions.map(async (p) => {
        const resourceAttributes = {
          verb: p.verb,
          group: p.group,
          resource: p.resource,
          ...(p.subresource ? { subresource: p.subresource } : {}),
          ...(p.namespace ? { namespace: p.namespace } : {}),
        };
        const review =
          subject === undefined
            ? await this.call(`SelfSubjectAccessReview (${describePermission(p)})`, () =>
                api.createSelfSubjectAccessReview({
                  body: {
                    apiVersion: 'authorization.k8s.io/v1',
                    kind: 'SelfSubjectAccessReview',
                    spec: { resourceAttributes },
                  },
                }),
              )
            : await this.call(`LocalSubjectAccessReview of ${subject.user} (${describePermission(p)})`, () =>
                api.createNamespacedLocalSubjectAccessReview({
                  namespace: p.namespace!,
                  body: {
                    apiVersion: 'authorization.k8s.io/v1',
                    kind: 'LocalSubjectAccessReview',
                    metadata: { namespace: p.namespace! },
                    spec: { user: subject.user, groups: subject.groups, resourceAttributes },
                  },
                }),
              );
        return review.status?.allowed ? undefined : p;
      }),
    );
    return results.filter((p): p is Permission => p !== undefined);
  }

  /** A short-lived token for a ServiceAccount (TokenRequest). The caller masks it. */
  async serviceAccountToken(namespace: string, name: string, expirationSeconds: number): Promise<string> {
    const core = this.config.makeApiClient(CoreV1Api);
    const tr = await this.call(`request a token for ServiceAccount ${namespace}/${name}`, () =>
      core.createNamespacedServiceAccountToken({
        namespace,
        name,
        body: { spec: { audiences: [], expirationSeconds } },
      }),
    );
    const token = tr.status?.token;
    if (!token)
      throw new OperationError(`the API server returned no token for ServiceAccount ${namespace}/${name}`);
    return token;
  }

  /**
   * The last lines of a container's log (with `previous`, of its run before the last restart), or a
   * sentence saying why there is none.
   */
  async podLog(
    namespace: string,
    pod: string,
    container: string | undefined,
    tailLines: number,
    previous = false,
  ): Promise<string> {
    const core = this.config.makeApiClient(CoreV1Api);
    try {
      this.requests++;
      return await core.readNamespacedPodLog({
        namespace,
        name: pod,
        container,
        tailLines,
        ...(previous ? { previous } : {}),
      });
    } catch (err) {
      return `(no log: ${describeError(err)})`;
    }
  }

  /**
   * A request to a Service through the API server's proxy
   * (`/api/v1/namespaces/<ns>/services/<name>:<port>/proxy/<path>`), with the kubeconfig's credentials.
   * Resolves with the status and body of whatever answered (the service, or the API server itself).
   */
  async serviceProxy(
    namespace: string,
    service: string,
    port: string,
    path: string,
    init: { method?: string; body?: unknown; timeoutMs?: number } = {},
  ): Promise<{ status: number; body: string }> {
    const url = new URL(
      `${this.server.replace(/\/$/, '')}/api/v1/namespaces/${namespace}/services/${service}:${port}/proxy${path}`,
    );
    return this.rawRequest(url, init);
  }

  private async rawRequest(
    url: URL,
    init: { method?: string; body?: unknown; timeoutMs?: number },
  ): Promise<{ status: number; body: string }> {
    const opts: RequestOptions = { method: init.method ?? 'GET', timeout: init.timeoutMs ?? 15_000 };
    await this.config.applyToHTTPSOptions(opts);
    const payload = init.body === undefined ? undefined : JSON.stringify(init.body);
    const headers = {
      ...(opts.headers as Record<string, string> | undefined),
      accept: 'application/json',
      ...(payload ? { 'content-type': 'application/json' } : {}),
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    this.requests++;
    return new Promise((resolve, reject) => {
      const req = send(url, { ...opts, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      });
      req.on('timeout', () =>
        req.destroy(
          Object.assign(new Error(`${opts.method} ${url.pathname} timed out`), { code: 'ETIMEDOUT' }),
        ),
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /**
   * Waits until `check` says done, watching the object (list, then watch from that resourceVersion,
   * re-listing when the server ends a watch). Prints a progress line when the status changes and every
   * `progressEveryMs`; on timeout throws an OperationError with what it waited for and the last status.
   */
  async waitFor<T extends KubernetesObject>(spec: WaitSpec<T>, ui: Ui): Promise<T | undefined> {
    const started = Date.now();
    const deadline = started + spec.timeoutMs;
    const every = spec.progressEveryMs ?? 10_000;
    let last = 'nothing seen yet';
    let lastPrinted = -Infinity;
    let lastPrintedStatus = '';
    const progress = (force = false) => {
      const now = Date.now();
      if (!force && last === lastPrintedStatus && now - lastPrinted < every) return;
      lastPrinted = now;
      lastPrintedStatus = last;
      ui.info(
        `waiting for ${spec.describe}: ${last}, ${seconds(now - started)} of ${seconds(spec.timeoutMs)}`,
      );
    };
    const see = (obj: T | undefined): { done: boolean; failed?: string } => {
      const r = spec.check(obj);
      last = r.status;
      return r;
    };
    // Every wait ends with one line saying what it saw, also when there was nothing to wait for.
    const reached = <V>(value: V): V => {
      ui.info(`${spec.describe}: ${last} (after ${seconds(Date.now() - started)})`);
      return value;
    };
    const path = await this.call(`discover the API of ${spec.kind}`, () => this.objects.collectionPath(spec));
    const fieldSelector = `metadata.name=${spec.name}`;

    while (Date.now() < deadline) {
      const listed = await this.list<T>(spec.apiVersion, spec.kind, spec.namespace, { fieldSelector });
      const first = see(listed.items[0]);
      if (first.failed) throw this.waitFailed(spec, first.failed, started);
      if (first.done) return reached(listed.items[0]);
      progress();

      const outcome = await new Promise<{ obj?: T; done?: boolean; failed?: string; restart?: boolean }>(
        (resolve) => {
          let settled = false;
          let controller: AbortController | undefined;
          const finish = (v: { obj?: T; done?: boolean; failed?: string; restart?: boolean }) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            clearInterval(ticker);
            controller?.abort();
            resolve(v);
          };
          const timer = setTimeout(() => finish({}), Math.max(0, deadline - Date.now()));
          const ticker = setInterval(() => progress(), Math.min(every, 1_000));
          this.requests++;
          new Watch(this.config)
            .watch(
              path,
              { fieldSelector, resourceVersion: listed.resourceVersion, allowWatchBookmarks: true },
              (phase: string, obj: T) => {
                if (phase === 'BOOKMARK') return;
                if (phase === 'ERROR') return finish({ restart: true });
                const current = phase === 'DELETED' ? undefined : obj;
                const r = see(current);
                if (r.failed) return finish({ failed: r.failed });
                if (r.done) return finish({ obj: current, done: true });
                progress();
              },
              () => finish({ restart: true }),
            )
            .then(
              (c) => {
                controller = c;
                if (settled) c.abort();
              },
              () => finish({ restart: true }),
            );
        },
      );
      if (outcome.failed) throw this.waitFailed(spec, outcome.failed, started);
      if (outcome.done) return reached(outcome.obj);
      // The server ended the watch, or it failed: a short pause, then list and watch again.
      if (outcome.restart && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    }
    progress(true);
    throw new OperationError(
      `timed out after ${seconds(spec.timeoutMs)} waiting for ${spec.describe}; last seen: ${last}`,
    );
  }

  private waitFailed(spec: WaitSpec<KubernetesObject>, why: string, started: number): OperationError {
    return new OperationError(
      `${spec.describe} cannot be reached (after ${seconds(Date.now() - started)}): ${why}`,
    );
  }

  /**
   * Creates the object (POST): for objects whose existence is the point, such as a Lease. An existing
   * object is an HTTP 409 AlreadyExists, which is not retried: the caller reads it and decides.
   */
  async create<T extends Writable>(obj: T): Promise<T> {
    return this.call(`create ${describeRef(refOf(obj))}`, () =>
      this.objects.create<T>(obj, undefined, undefined, FIELD_MANAGER),
    );
  }

  /**
   * Replaces the object (PUT) at the metadata.resourceVersion it carries: optimistic concurrency. A 409
   * Conflict (someone wrote it since it was read) is thrown at once, not retried: sending the same stale
   * version again cannot succeed, so the caller reads the object again and decides again.
   */
  async replace<T extends Writable>(obj: T): Promise<T> {
    return this.callUnlessConflict(`replace ${describeRef(refOf(obj))}`, () =>
      this.objects.replace<T>(obj, undefined, undefined, FIELD_MANAGER),
    );
  }

  /**
   * Deletes the object only while it is still at `resourceVersion` (a delete precondition): 'deleted',
   * 'gone' when it no longer exists, 'changed' when someone wrote it since it was read.
   */
  async deleteUnchanged(ref: ObjectRef, resourceVersion: string): Promise<'deleted' | 'gone' | 'changed'> {
    try {
      await this.callUnlessConflict(`delete ${describeRef(ref)} at resourceVersion ${resourceVersion}`, () =>
        this.objects.delete(
          {
            apiVersion: ref.apiVersion,
            kind: ref.kind,
            metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
          },
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          { preconditions: { resourceVersion } },
        ),
      );
      return 'deleted';
    } catch (err) {
      if (isNotFound(err)) return 'gone';
      if (httpFailureOf(err)?.status === 409) return 'changed';
      throw err;
    }
  }

  private async callUnlessConflict<T>(what: string, op: () => Promise<T>): Promise<T> {
    return withRetry(
      what,
      () => {
        this.requests++;
        return op();
      },
      {
        policy: this.retryPolicy,
        retryable: (err) => httpFailureOf(err)?.status !== 409 && isRetryable(err),
        onRetry: (attempt, err, delayMs) =>
          this.ui?.info(
            `${what}: attempt ${attempt} failed (${describeError(err)}); retrying in ${delayMs} ms`,
          ),
      },
    );
  }
}

function refOf(obj: Writable): ObjectRef {
  return {
    apiVersion: obj.apiVersion ?? 'v1',
    kind: obj.kind ?? '(no kind)',
    name: obj.metadata?.name ?? '(no name)',
    ...(obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {}),
  };
}
