// A STAND-IN for the Strimzi cluster operator (no Strimzi images can run here). It does only what the
// integration environment's waits depend on: it sets Kafka and KafkaTopic status the way Strimzi 1.2.0
// does — first NotReady (reason Creating), then Ready with observedGeneration, listeners and versions —
// through the status subresource, so the real API server checks the status against the upstream CRDs.
// `stuck: true` keeps the Kafka NotReady forever, for the timeout path.
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';

interface Obj {
  metadata: { name: string; namespace: string; generation?: number };
  spec?: { topicName?: string };
  status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] };
}

const GROUP = 'kafka.strimzi.io';
const VERSION = 'v1';
/** Strimzi writes times as yyyy-MM-ddTHH:mm:ssZ. */
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

export class StrimziOperatorStandIn {
  private readonly api: CustomObjectsApi;
  private timer: NodeJS.Timeout | undefined;
  private readonly seenAt = new Map<string, number>();
  /** What the stand-in did, for assertions: "Kafka/my-cluster NotReady", "KafkaTopic/logs Ready". */
  readonly log: string[] = [];

  constructor(
    kubeconfig: string,
    private readonly namespace: string,
    private readonly options: { stuck?: boolean; readyAfterMs?: number } = {},
  ) {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    this.api = kc.makeApiClient(CustomObjectsApi);
  }

  private current: Promise<void> = Promise.resolve();
  private stopped = false;

  start(): void {
    const tick = () => {
      this.current = (async () => {
        try {
          await this.reconcile('kafkas', 'Kafka');
          await this.reconcile('kafkatopics', 'KafkaTopic');
        } catch {
          // The CRDs may not be there yet; the next tick tries again.
        }
      })();
      void this.current.then(() => {
        if (!this.stopped) this.timer = setTimeout(tick, 300);
      });
    };
    tick();
  }

  /** Runs `fn` with the stand-in started, and stops it afterwards, also when `fn` throws. */
  async whileRunning<T>(fn: () => Promise<T>): Promise<T> {
    this.start();
    try {
      return await fn();
    } finally {
      await this.stop();
    }
  }

  /** Stops, after the reconcile in flight has finished (so `log` is complete). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
  }

  private async reconcile(plural: string, kind: string): Promise<void> {
    const list = (await this.api.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: this.namespace,
      plural,
    })) as {
      items: Obj[];
    };
    for (const obj of list.items) {
      const key = `${kind}/${obj.metadata.name}`;
      if (!this.seenAt.has(key)) this.seenAt.set(key, Date.now());
      const ready =
        !(this.options.stuck && kind === 'Kafka') &&
        Date.now() - this.seenAt.get(key)! >= (this.options.readyAfterMs ?? 1_000);
      const want = ready ? 'Ready' : 'NotReady';
      const current = obj.status?.conditions?.[0]?.type;
      if (current === want && obj.status?.observedGeneration === obj.metadata.generation) continue;
      const status = ready ? this.readyStatus(kind, obj) : this.creatingStatus(kind, obj);
      await this.api.replaceNamespacedCustomObjectStatus({
        group: GROUP,
        version: VERSION,
        namespace: this.namespace,
        plural,
        name: obj.metadata.name,
        body: { ...obj, status },
      });
      this.log.push(`${key} ${want}`);
    }
  }

  private creatingStatus(kind: string, obj: Obj) {
    return {
      observedGeneration: obj.metadata.generation,
      conditions: [
        {
          type: 'NotReady',
          status: 'True',
          lastTransitionTime: now(),
          reason: 'Creating',
          message: kind === 'Kafka' ? 'Kafka cluster is being deployed' : 'Topic is being created',
        },
      ],
    };
  }

  private readyStatus(kind: string, obj: Obj) {
    const conditions = [{ type: 'Ready', status: 'True', lastTransitionTime: now() }];
    if (kind === 'KafkaTopic') {
      return {
        observedGeneration: obj.metadata.generation,
        conditions,
        topicName: obj.spec?.topicName ?? obj.metadata.name,
        topicId: 'Sx1aPVlrS8uYq0zJL0D6NQ',
      };
    }
    return {
      observedGeneration: obj.metadata.generation,
      conditions,
      listeners: [
        {
          name: 'plain',
          addresses: [{ host: `${obj.metadata.name}-kafka-bootstrap.${this.namespace}.svc`, port: 9092 }],
          bootstrapServers: `${obj.metadata.name}-kafka-bootstrap.${this.namespace}.svc:9092`,
        },
      ],
      kafkaNodePools: [{ name: 'dual-role' }],
      clusterId: 'KQ8yVTkkQ9Ct7Kq1rVf1kA',
      operatorLastSuccessfulVersion: '1.2.0',
      kafkaVersion: '4.3.1',
      kafkaMetadataVersion: '4.3-IV0',
    };
  }
}
