// Flink configuration keys that the spec's own fields decide.

/**
 * Keys Flinkship derives from the spec. Setting them in flinkConfiguration would fight the spec, so the
 * validator refuses them and says which spec field to use instead.
 */
export const MANAGED_KEYS: Record<string, string> = {
  'execution.target': 'the deploy verb (always kubernetes-application)',
  'kubernetes.cluster-id': 'environments.<env>.clusterId (defaults to name)',
  'kubernetes.namespace': 'environments.<env>.namespace',
  'kubernetes.container.image': 'image.repository and the built digest',
  'kubernetes.container.image.ref': 'image.repository and the built digest',
  'kubernetes.service-account': 'jobManager.serviceAccount (or environments.<env>.serviceAccount)',
  'kubernetes.jobmanager.service-account': 'jobManager.serviceAccount (or environments.<env>.serviceAccount)',
  'kubernetes.taskmanager.service-account': 'taskManager.serviceAccount',
  'kubernetes.container.image.pull-secrets': 'image.pullSecrets',
  'kubernetes.rest-service.exposed.type': 'environments.<env>.restServiceType',
  'kubernetes.jobmanager.replicas': 'jobManager.replicas',
  'jobmanager.memory.process.size': 'jobManager.resource.memory',
  'kubernetes.jobmanager.cpu': 'jobManager.resource.cpu',
  'kubernetes.jobmanager.cpu.amount': 'jobManager.resource.cpu',
  'taskmanager.memory.process.size': 'taskManager.resource.memory',
  'kubernetes.taskmanager.cpu': 'taskManager.resource.cpu',
  'kubernetes.taskmanager.cpu.amount': 'taskManager.resource.cpu',
  'taskmanager.numberOfTaskSlots': 'taskManager.slots',
  'parallelism.default': 'job.parallelism',
  'kubernetes.pod-template-file': 'podTemplate',
  'kubernetes.pod-template-file.default': 'podTemplate',
  // The Flink client talks to Kubernetes with the token kubeconfig flinkship writes for it; another file
  // or context would run the deploy with whatever rights that one has.
  'kubernetes.config.file':
    'the kubeconfig it writes for the Flink client (give yours with --kubeconfig or the kubeconfig input)',
  'kubernetes.context': 'environments.<env>.context (or --context)',
};
