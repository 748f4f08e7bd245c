// Checks of the fields that decide what a deploy runs as: the image the Flink client runs from
// (deploy.clientImage), and the ServiceAccounts of the JobManager and the TaskManagers. Beyond the schema:
// a client image must be pinned by digest, and a ServiceAccount the user names is theirs, so Flinkship
// neither names it a second way nor annotates it.
import type { InputIssue } from '../util/errors.js';
import { IMAGE_REF_HINT, parseImageRef } from '../util/imageRef.js';
import { formatPath, type FieldPath, type SpecDocument } from './document.js';
import { isPlainObject } from './resolve.js';

/** The value of --client-image / deploy.clientImage that opts in to running the client from the job image. */
export const JOB_IMAGE_CLIENT = 'job';

export const CLIENT_IMAGE_HINT = `"${JOB_IMAGE_CLIENT}" (run the client from the job image) or a trusted Flink image by digest, such as flink@sha256:<64 hex digits>`;

/** Why a --client-image / deploy.clientImage value is not valid; undefined when it is. */
export function clientImageProblem(value: string): string | undefined {
  if (value === JOB_IMAGE_CLIENT) return undefined;
  const ref = parseImageRef(value);
  if (!ref) return `found "${value}"; expected ${CLIENT_IMAGE_HINT} (${IMAGE_REF_HINT})`;
  if (!ref.digest) {
    return `found "${value}", which is not pinned by digest; expected ${CLIENT_IMAGE_HINT}: the client holds the deployer's token, so the image it runs must not move`;
  }
  return undefined;
}

function getIn(value: unknown, path: FieldPath): unknown {
  let cursor = value;
  for (const seg of path) {
    if (!isPlainObject(cursor)) return undefined;
    cursor = cursor[seg];
  }
  return cursor;
}

/** Every scope that may hold these fields: the top level and each environment. */
function scopes(root: Record<string, unknown>): FieldPath[] {
  const envs = isPlainObject(root.environments) ? Object.keys(root.environments) : [];
  return [[], ...envs.map((name) => ['environments', name])];
}

export function deployIssues(doc: SpecDocument): InputIssue[] {
  const root = doc.value;
  if (!isPlainObject(root)) return [];
  const issues: InputIssue[] = [];
  const report = (path: FieldPath, message: string, atKey = false) => {
    const p = atKey ? doc.locateKey(path) : doc.locate(path);
    issues.push({ file: doc.file, line: p.line, col: p.col, field: formatPath(path), message });
  };
  for (const scope of scopes(root)) {
    const clientImage = getIn(root, [...scope, 'deploy', 'clientImage']);
    if (typeof clientImage === 'string') {
      const problem = clientImageProblem(clientImage);
      if (problem) report([...scope, 'deploy', 'clientImage'], problem);
    }
    for (const process of ['jobManager', 'taskManager']) {
      const named = getIn(root, [...scope, process, 'serviceAccount']);
      const annotations = getIn(root, [...scope, process, 'serviceAccountAnnotations']);
      // Within one scope: an environment may name an account where the top level annotates the owned one.
      if (typeof named === 'string' && annotations !== undefined) {
        report(
          [...scope, process, 'serviceAccountAnnotations'],
          `${process}.serviceAccount names the existing ServiceAccount "${named}", which Flinkship leaves untouched, so it cannot annotate it; annotate that account yourself, or remove ${process}.serviceAccount and Flinkship creates one with these annotations`,
          true,
        );
      }
    }
  }
  const envs = isPlainObject(root.environments) ? root.environments : {};
  for (const [name, env] of Object.entries(envs)) {
    if (!isPlainObject(env) || typeof env.serviceAccount !== 'string') continue;
    const named =
      getIn(env, ['jobManager', 'serviceAccount']) ?? getIn(root, ['jobManager', 'serviceAccount']);
    if (typeof named === 'string') {
      report(
        ['environments', name, 'serviceAccount'],
        `found "${env.serviceAccount}", the name of the JobManager account Flinkship creates, but jobManager.serviceAccount names the existing account "${named}" for this environment; keep one of them`,
        true,
      );
    }
  }
  return issues;
}
