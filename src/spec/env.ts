// `env`: environment variables of the JobManager and TaskManagers, at the top level and per environment,
// merged by name (resolve.ts mergeEnvVars). A value from a Kubernetes Secret (valueFrom.secretKeyRef) keeps a credential out of the
// spec, the plan and the Flink configuration. The schema checks each entry's shape; these are the rules
// between fields and entries that it cannot say.
import type { InputIssue } from '../util/errors.js';
import { formatPath, type FieldPath, type SpecDocument } from './document.js';
import { isPlainObject } from './resolve.js';

/** Each env list of the spec: exactly one of value and valueFrom per entry, and no name twice. */
export function envIssues(doc: SpecDocument): InputIssue[] {
  const root = doc.value;
  if (!isPlainObject(root)) return [];
  const lists: FieldPath[] = [['env']];
  if (isPlainObject(root.environments)) {
    for (const name of Object.keys(root.environments)) lists.push(['environments', name, 'env']);
  }
  const issues: InputIssue[] = [];
  const report = (path: FieldPath, message: string) =>
    issues.push({ file: doc.file, ...doc.locate(path), field: formatPath(path), message });
  for (const listPath of lists) {
    const list = listPath.reduce<unknown>((v, k) => (isPlainObject(v) ? v[k as string] : undefined), root);
    if (!Array.isArray(list)) continue;
    const seen = new Map<string, number>();
    list.forEach((entry, i) => {
      if (!isPlainObject(entry)) return;
      const path = [...listPath, i];
      const hasValue = entry.value !== undefined;
      const hasFrom = entry.valueFrom !== undefined;
      if (hasValue === hasFrom) {
        report(
          path,
          `has ${hasValue ? 'both' : 'neither'} value ${hasValue ? 'and' : 'nor'} valueFrom; give one of them`,
        );
      }
      if (typeof entry.name !== 'string') return;
      const first = seen.get(entry.name);
      if (first !== undefined) {
        report(
          [...path, 'name'],
          `"${entry.name}" is already set at line ${doc.locate([...listPath, first, 'name']).line} of this list; give each variable once (an environment's env overrides the top level's by name)`,
        );
      } else seen.set(entry.name, i);
    });
  }
  return issues;
}
