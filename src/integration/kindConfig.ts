// The kind cluster's configuration, as a pure function of the spec and (optionally) the user's own kind
// config: the node image pinned by digest, workers, port mappings, and the local registry wired in the
// containerd `certs.d` way (a hosts.toml per registry, mounted into every node), which works the same
// whether Flinkship writes the config or merges into the user's.
import { parse, stringify } from 'yaml';
import type { KubeObject } from '../plan/objects.js';
import { isPlainObject } from '../spec/resolve.js';

/** kind v0.30.0's image for Kubernetes 1.34.0, from its release notes. */
export const KIND_NODE_IMAGE =
  'kindest/node:v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a';
export const CERTS_D = '/etc/containerd/certs.d';
export const REGISTRY_NAME = 'kind-registry';
export const REGISTRY_PORT = 5001;

export interface PortMapping {
  containerPort: number;
  hostPort: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  listenAddress?: string;
}

export interface KindSettings {
  /** The kind cluster's name. */
  name: string;
  nodeImage: string;
  workers: number;
  extraPortMappings: PortMapping[];
  /** The user's own kind config, already read (text) with its file name for messages. */
  userConfig?: { file: string; text: string };
  /** The local registry: host port on the runner, and the directory that holds its certs.d tree. */
  registry?: { port: number; certsDir: string; image?: string };
  /** Images of the local Docker engine loaded onto the nodes once the cluster exists (kind.loadImages). */
  loadImages?: string[];
}

/** The containerd patch that makes each node read registry hosts from certs.d. */
export const CONTAINERD_CERTS_D_PATCH = `[plugins."io.containerd.grpc.v1.cri".registry]
  config_path = "${CERTS_D}"`;

/** hosts.toml for `localhost:<port>`: pulls of localhost:<port>/x go to the registry container on the kind network. */
export function registryHostsToml(): string {
  return `[host."http://${REGISTRY_NAME}:5000"]\n  capabilities = ["pull", "resolve"]\n`;
}

/** The files of the certs.d tree, relative to certsDir. */
export function registryCertsFiles(port: number): Record<string, string> {
  return { [`localhost:${port}/hosts.toml`]: registryHostsToml() };
}

/** KEP-1755: tells tools in the cluster where the local registry is. */
export function localRegistryHostingConfigMap(port: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'local-registry-hosting', namespace: 'kube-public' },
    data: {
      'localRegistryHosting.v1': `host: "localhost:${port}"\nhelp: "https://kind.sigs.k8s.io/docs/user/local-registry/"\n`,
    },
  };
}

export class KindConfigError extends Error {}

type Node = Record<string, unknown>;

/** The kind config Flinkship writes: its own, or the user's with the registry wiring and the pinned image added. */
export function kindConfig(settings: KindSettings): string {
  let config: Record<string, unknown>;
  if (settings.userConfig) {
    let parsed: unknown;
    try {
      parsed = parse(settings.userConfig.text);
    } catch (err) {
      throw new KindConfigError(`${settings.userConfig.file} is not YAML: ${(err as Error).message}`);
    }
    if (!isPlainObject(parsed) || parsed.kind !== 'Cluster') {
      throw new KindConfigError(
        `${settings.userConfig.file} is not a kind config: expected a mapping with kind: Cluster and apiVersion: kind.x-k8s.io/v1alpha4`,
      );
    }
    config = { ...parsed };
    const nodes =
      Array.isArray(config.nodes) && config.nodes.length > 0 ? config.nodes : [{ role: 'control-plane' }];
    config.nodes = nodes.map((n: unknown) => ({ ...(isPlainObject(n) ? n : {}) }));
  } else {
    const controlPlane: Node = { role: 'control-plane' };
    if (settings.extraPortMappings.length > 0) controlPlane.extraPortMappings = settings.extraPortMappings;
    config = {
      kind: 'Cluster',
      apiVersion: 'kind.x-k8s.io/v1alpha4',
      nodes: [controlPlane, ...Array.from({ length: settings.workers }, () => ({ role: 'worker' }))],
    };
  }
  delete config.name; // the name comes from --name, so that delete and load address the same cluster
  for (const node of config.nodes as Node[]) {
    if (node.image === undefined) node.image = settings.nodeImage;
    if (settings.registry) {
      const mounts = Array.isArray(node.extraMounts) ? [...(node.extraMounts as Node[])] : [];
      if (!mounts.some((m) => m.containerPath === CERTS_D)) {
        mounts.push({ hostPath: settings.registry.certsDir, containerPath: CERTS_D, readOnly: true });
      }
      node.extraMounts = mounts;
    }
  }
  if (settings.registry) {
    const patches = Array.isArray(config.containerdConfigPatches)
      ? (config.containerdConfigPatches as unknown[]).map(String)
      : [];
    if (!patches.some((p) => p.includes('config_path'))) patches.push(CONTAINERD_CERTS_D_PATCH);
    config.containerdConfigPatches = patches;
  }
  return stringify(config, { lineWidth: 0 });
}
