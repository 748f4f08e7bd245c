// When does deploy stop waiting for a JobManager, and what does it say? The pod statuses below are the
// shapes kubelet reports; the log is the JobManager's own, from the kind cluster (a missing entry class).
import { describe, expect, it } from 'vitest';
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { exceptionSummary, jobManagerPodFailure, sqlRunnerMessage } from '../../src/deploy/readiness.js';

function pod(status: Partial<V1ContainerStatus>, container = 'flink-main-container'): V1Pod {
  return {
    metadata: { name: 'job-7cd45bd666-fqckc' },
    status: {
      containerStatuses: [
        { name: container, image: 'i', imageID: '', ready: false, restartCount: 0, ...status },
      ],
    },
  };
}

describe('jobManagerPodFailure', () => {
  it('a container that runs, or is still creating, or pulling, is not a failure', () => {
    expect(jobManagerPodFailure(pod({ state: { running: { startedAt: new Date() } } }))).toBeUndefined();
    expect(
      jobManagerPodFailure(pod({ state: { waiting: { reason: 'ContainerCreating' } } })),
    ).toBeUndefined();
    expect(jobManagerPodFailure(pod({ state: { waiting: { reason: 'ErrImagePull' } } }))).toBeUndefined();
    expect(jobManagerPodFailure({ metadata: { name: 'p' }, status: { phase: 'Pending' } })).toBeUndefined();
  });

  it('a JobManager that exited non-zero and was restarted is a crash', () => {
    expect(
      jobManagerPodFailure(
        pod({
          restartCount: 1,
          state: { running: { startedAt: new Date() } },
          lastState: { terminated: { exitCode: 1, reason: 'Error' } },
        }),
      ),
    ).toEqual({
      message: 'the JobManager pod job-7cd45bd666-fqckc exited with code 1 (Error), restarted 1x',
      crashed: true,
    });
  });

  it('a JobManager that exited 0 before a restart is not a crash', () => {
    expect(
      jobManagerPodFailure(
        pod({ restartCount: 1, state: { running: {} }, lastState: { terminated: { exitCode: 0 } } }),
      ),
    ).toBeUndefined();
  });

  it('waiting reasons that no wait cures end the wait, with kubelet’s message', () => {
    expect(
      jobManagerPodFailure(
        pod({
          state: {
            waiting: { reason: 'ErrImageNeverPull', message: 'Container image "x:1" is not present' },
          },
        }),
      ),
    ).toEqual({
      message:
        'the JobManager pod job-7cd45bd666-fqckc is ErrImageNeverPull: Container image "x:1" is not present',
      crashed: false,
    });
    expect(jobManagerPodFailure(pod({ state: { waiting: { reason: 'ImagePullBackOff' } } }))?.message).toBe(
      'the JobManager pod job-7cd45bd666-fqckc is ImagePullBackOff',
    );
  });

  it('only the container Flink runs in counts, not a sidecar', () => {
    expect(
      jobManagerPodFailure(pod({ lastState: { terminated: { exitCode: 2 } }, restartCount: 3 }, 'sidecar')),
    ).toBeUndefined();
  });
});

const LOG = `2026-12-02 18:00:05,012 INFO  org.apache.flink.runtime.entrypoint.ClusterEntrypoint        [] - Install security context.
2026-12-02 18:00:05,506 ERROR org.apache.flink.runtime.entrypoint.ClusterEntrypoint        [] - Could not create application program.
org.apache.flink.util.FlinkException: Could not load the provided entrypoint class.
	at org.apache.flink.client.program.DefaultPackagedProgramRetriever.getPackagedProgram(DefaultPackagedProgramRetriever.java:231) ~[flink-clients-1.20.3.jar:1.20.3]
	at org.apache.flink.kubernetes.entrypoint.KubernetesApplicationClusterEntrypoint.main(KubernetesApplicationClusterEntrypoint.java:85) [flink-kubernetes-1.20.1.jar:1.20.1]
Caused by: org.apache.flink.client.program.ProgramInvocationException: The program's entry point class 'dev.flinkship.logcleaner.NoSuchJob' was not found in the jar file.
	at org.apache.flink.client.program.PackagedProgram.loadMainClass(PackagedProgram.java:482) ~[flink-clients-1.20.3.jar:1.20.3]
Caused by: java.lang.ClassNotFoundException: dev.flinkship.logcleaner.NoSuchJob
	at java.net.URLClassLoader.findClass(Unknown Source) ~[?:?]
	... 4 more
`;

describe('sqlRunnerMessage', () => {
  it("is the SQL runner's last line: its refusal, after its progress lines and Flink's own", () => {
    const log = [
      '2026-12-04 06:00:01,000 INFO  org.apache.flink.client.ClientUtils [] - Starting program',
      "flinkship-sql-runner: line 1, column 1: SET 'pipeline.name' = 'x'",
      "flinkship-sql-runner: the script /opt/flink/usrlib/job.sql is not the one this deploy runs: its sha256 is 1, the spec's script's is 2.",
      '2026-12-04 06:00:02,000 INFO  org.apache.flink.runtime.blob.BlobServer [] - Stopped BLOB server',
      '',
    ].join('\n');
    expect(sqlRunnerMessage(log)).toBe(
      "flinkship-sql-runner: the script /opt/flink/usrlib/job.sql is not the one this deploy runs: its sha256 is 1, the spec's script's is 2.",
    );
    expect(sqlRunnerMessage('INFO all good\n')).toBeUndefined();
  });
});

describe('exceptionSummary', () => {
  it('keeps the ERROR line, the exception and each Caused by, without frames', () => {
    expect(exceptionSummary(LOG)).toEqual([
      '2026-12-02 18:00:05,506 ERROR org.apache.flink.runtime.entrypoint.ClusterEntrypoint        [] - Could not create application program.',
      'org.apache.flink.util.FlinkException: Could not load the provided entrypoint class.',
      "Caused by: org.apache.flink.client.program.ProgramInvocationException: The program's entry point class 'dev.flinkship.logcleaner.NoSuchJob' was not found in the jar file.",
      'Caused by: java.lang.ClassNotFoundException: dev.flinkship.logcleaner.NoSuchJob',
    ]);
  });

  it('is empty for a log without an ERROR, and bounded, keeping the innermost cause', () => {
    expect(exceptionSummary('INFO all good\n')).toEqual([]);
    expect(exceptionSummary(LOG, 3)).toEqual([
      '2026-12-02 18:00:05,506 ERROR org.apache.flink.runtime.entrypoint.ClusterEntrypoint        [] - Could not create application program.',
      'org.apache.flink.util.FlinkException: Could not load the provided entrypoint class.',
      'Caused by: java.lang.ClassNotFoundException: dev.flinkship.logcleaner.NoSuchJob',
    ]);
  });
});
