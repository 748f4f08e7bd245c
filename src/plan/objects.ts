// The one type for a Kubernetes object in Flinkship: plain data, as the plan builds it, as manifests
// parse into it and as the kube executor applies it. No client library here, so plan, operations and
// the integration environment stay pure; only src/executors/kube.ts maps it to @kubernetes/client-node.

export interface KubeMetadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeMetadata;
  [key: string]: unknown;
}
