// Which configuration values are secrets, by Flink's own rule, so that a plan can be shown (terminal,
// JSON, action outputs, job summary, PR comment, the printed client argv) without them.

/**
 * GlobalConfiguration.SENSITIVE_KEYS, read from flink-core 1.20.3 and 2.2.0 (2.2 adds api-key; the union
 * is used for every version): a key is sensitive when its lower-cased form contains one of these.
 */
export const FLINK_SENSITIVE_KEYS = [
  'password',
  'secret',
  'fs.azure.account.key',
  'apikey',
  'api-key',
  'auth-params',
  'service-key',
  'token',
  'basic-auth',
  'jaas.config',
  'http-headers',
] as const;

/** Flink does not hide S3 access key ids (s3.access-key, fs.s3a.access.key); they are credentials too. */
const MORE_SENSITIVE_KEYS = ['access-key', 'access.key', 'access_key', 'accesskey', 'api_key'];

/** What Flink itself prints in place of a sensitive value. */
export const REDACTED = '******';

/**
 * Keys whose names match the rule but whose values are names of Kubernetes Secrets, not secret material:
 * a reviewer needs to see which Secrets the pods pull with.
 */
const NAMES_OF_SECRETS = new Set(['kubernetes.container.image.pull-secrets']);

/** Flink's GlobalConfiguration.isSensitive, plus S3 access keys; also used for env var names. */
export function isSensitiveKey(key: string): boolean {
  const lower = key.toLowerCase();
  if (NAMES_OF_SECRETS.has(lower)) return false;
  return [...FLINK_SENSITIVE_KEYS, ...MORE_SENSITIVE_KEYS].some((s) => lower.includes(s));
}

/** The entries with sensitive values replaced, and those values (to register as secrets), in order. */
export function redactConfiguration(entries: Record<string, string>): {
  shown: Record<string, string>;
  secrets: string[];
} {
  const shown: Record<string, string> = {};
  const secrets: string[] = [];
  for (const [key, value] of Object.entries(entries)) {
    const hide = isSensitiveKey(key) && value !== '';
    shown[key] = hide ? REDACTED : value;
    if (hide && !secrets.includes(value)) secrets.push(value);
  }
  return { shown, secrets };
}
