// Access to the testbed that scripts/testbed starts (see docs/TESTING.md).
// The test command exports these variables after `scripts/testbed up`. A missing variable is a
// failure, never a skip: integration tests are only worth something against the real components.

export type TestbedVar =
  | 'FLINKSHIP_TESTBED_STAGING_KUBECONFIG'
  | 'FLINKSHIP_TESTBED_PRODUCTION_KUBECONFIG'
  | 'FLINKSHIP_TESTBED_STAGING_REGISTRY'
  | 'FLINKSHIP_TESTBED_PRODUCTION_REGISTRY'
  | 'FLINKSHIP_TESTBED_PRODUCTION_REGISTRY_USER'
  | 'FLINKSHIP_TESTBED_PRODUCTION_REGISTRY_PASSWORD'
  | 'FLINKSHIP_TESTBED_FLINK_HOME'
  | 'FLINKSHIP_TESTBED_FLINK2_HOME'
  | 'FLINKSHIP_TESTBED_FLINK_BASE_IMAGE'
  | 'FLINKSHIP_TESTBED_FLINK2_BASE_IMAGE'
  | 'FLINKSHIP_TESTBED_FLINK_POD_TEMPLATE'
  | 'FLINKSHIP_TESTBED_FLINK_RBAC'
  | 'FLINKSHIP_TESTBED_KAFKA_IMAGE'
  | 'FLINKSHIP_TESTBED_KAFKA_MANIFEST'
  | 'FLINKSHIP_TESTBED_FLINK_REST_URL'
  | 'FLINKSHIP_TESTBED_FLINK_PROXY_PATH'
  | 'FLINKSHIP_TESTBED_DEBIAN_IMAGE'
  | 'FLINKSHIP_TESTBED_BUSYBOX_IMAGE'
  | 'FLINKSHIP_TESTBED_KUBECTL'
  | 'FLINKSHIP_TESTBED_KIND'
  | 'FLINKSHIP_TESTBED_KIND_PATH'
  | 'FLINKSHIP_TESTBED_KIND_CLUSTER'
  | 'FLINKSHIP_TESTBED_KIND_KUBECONFIG'
  | 'FLINKSHIP_TESTBED_KAFKA_IMAGE'
  | 'FLINKSHIP_TESTBED_KAFKA_MANIFEST'
  | 'FLINKSHIP_TESTBED_FLINK2_IMAGE'
  | 'FLINKSHIP_TESTBED_ACT'
  | 'FLINKSHIP_TESTBED_CHECK_JSONSCHEMA'
  | 'FLINKSHIP_TESTBED_STRIMZI_STANDIN_IMAGE'
  | 'FLINKSHIP_TESTBED_FLUENT_BIT_STANDIN_IMAGE'
  | 'DOCKER_HOST';

export function testbed(name: TestbedVar): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: the testbed is not up. Run \`scripts/testbed up\` and \`eval "$(scripts/testbed env)"\`, or run the tests with \`npm test\`, which does both.`,
    );
  }
  return value;
}
