// The credentials a kubeconfig holds, found from its raw text, so that they are registered as secrets
// BEFORE anything parses the file: a parser's error quotes the lines around the error, and a malformed
// file must not print its token. Kubeconfig text is never quoted in a message: only its file and line.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';

/** Keys whose value is a credential wherever they appear (users[].user, auth-provider config, JSON too). */
const CREDENTIAL_KEYS = [
  'token',
  'password',
  'client-key-data',
  'access-token',
  'id-token',
  'refresh-token',
  'client-secret',
];

// `key: value`, `"key": "value"`, `{key: value}`: one credential key and its scalar, in YAML or JSON.
const CREDENTIAL = new RegExp(
  `(?:^|[\\s{,])(["']?)(?:${CREDENTIAL_KEYS.join('|')})\\1\\s*:\\s*("(?:[^"\\\\]|\\\\.)*"|'(?:[^']|'')*'|[^\\s,}\\]#]+)`,
  'g',
);
// A block mapping key on its own line: its indentation (a list dash counts as indentation) and value.
const KEY_LINE = /^(\s*(?:-\s+)?)(["']?)([A-Za-z0-9_.-]+)\2\s*:(?:\s+(.*?))?\s*$/;

function unquote(raw: string): string {
  const v = raw.trim();
  if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) {
    try {
      return JSON.parse(v) as string;
    } catch {
      return v.slice(1, -1);
    }
  }
  if (v.startsWith("'") && v.endsWith("'") && v.length >= 2) return v.slice(1, -1).replaceAll("''", "'");
  return v.replace(/\s+#.*$/, '');
}

/**
 * Every credential-looking value of a kubeconfig (token, password, client-key-data, auth-provider config,
 * exec env values), by a scan of its lines that works on malformed YAML and on JSON, in file order.
 */
export function kubeconfigSecrets(text: string): string[] {
  const found: string[] = [];
  const keep = (v: string) => {
    if (v && v !== '{' && v !== '[' && !found.includes(v)) found.push(v);
  };
  const add = (raw: string | undefined) => keep(raw === undefined ? '' : unquote(raw));
  // Blocks whose values are all secret: auth-provider (but its name), and exec's env values.
  let block: { kind: 'auth-provider' | 'exec'; indent: number } | undefined;
  for (const line of text.split(/\r?\n/)) {
    for (const m of line.matchAll(CREDENTIAL)) add(m[2]);
    const key = KEY_LINE.exec(line);
    if (!key) continue;
    const indent = key[1]!.length;
    const [name, value] = [key[3]!, key[4]];
    if (block && indent <= block.indent) block = undefined;
    if (block?.kind === 'auth-provider' && name !== 'name' && name !== 'config') add(value);
    if (block?.kind === 'exec' && name === 'value') add(value);
    if (!block && (name === 'auth-provider' || name === 'exec') && !value) block = { kind: name, indent };
  }
  if (text.trimStart().startsWith('{')) {
    try {
      for (const v of jsonSecrets(JSON.parse(text))) keep(v);
    } catch {
      // Not JSON after all: the line scan above found what it could.
    }
  }
  return found;
}

/** Secrets of a parsed JSON kubeconfig that the line scan cannot place: auth-provider config, exec env. */
function jsonSecrets(config: unknown): string[] {
  const users = (config as { users?: { user?: Record<string, unknown> }[] })?.users ?? [];
  const out: string[] = [];
  for (const { user } of Array.isArray(users) ? users : []) {
    const provider = user?.['auth-provider'] as { config?: Record<string, unknown> } | undefined;
    for (const v of Object.values(provider?.config ?? {})) if (typeof v === 'string') out.push(v);
    const env = (user?.exec as { env?: { value?: unknown }[] } | undefined)?.env;
    for (const e of Array.isArray(env) ? env : []) if (typeof e?.value === 'string') out.push(e.value);
  }
  return out;
}

/** The files client-node's default loading reads: KUBECONFIG's list, else ~/.kube/config. */
export function kubeconfigFiles(file: string | undefined): string[] {
  if (file !== undefined) return [file];
  const fromEnv = process.env.KUBECONFIG?.split(path.delimiter).filter(Boolean) ?? [];
  const files = fromEnv.length ? fromEnv : [path.join(homedir(), '.kube', 'config')];
  return files.filter((f) => existsSync(f));
}

/**
 * Registers the credentials of each file as secrets, then checks its syntax. Returns the first syntax
 * problem as "<file>: not valid YAML at line N": never the parser's own message, which quotes the file.
 */
export function scanKubeconfigs(files: string[], secret: (value: string) => void): string | undefined {
  const texts = files.map((f) => [f, readFileSync(f, 'utf8')] as const);
  for (const [, text] of texts) for (const s of kubeconfigSecrets(text)) secret(s);
  for (const [file, text] of texts) {
    const error = parseDocument(text).errors[0];
    if (error) return `${file}: not valid YAML at line ${error.linePos?.[0].line ?? 1}`;
  }
  return undefined;
}
