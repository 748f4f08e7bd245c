// A STAND-IN for the kind binary (no kind nodes can run here: they need the kindest/node image). It is
// a shell script put first on PATH that answers `kind version` with the pinned version, records every
// invocation's argv and the config file it was given, and for `create cluster` writes a kubeconfig
// that points at the testbed's staging API server, as if that were the new cluster.
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';

const SCRIPT = `#!/bin/sh
# STAND-IN for kind v0.30.0, written by test/helpers/kind-standin.ts.
set -eu
state="$KIND_STANDIN_STATE"
n=$(ls "$state/calls" | wc -l)
printf '%s\\n' "$@" > "$state/calls/$(printf '%03d' "$n")"
opt() { # the value after flag $1 in the remaining arguments
  want="$1"; shift
  while [ $# -gt 0 ]; do
    if [ "$1" = "$want" ]; then echo "$2"; return; fi
    shift
  done
}
case "$1 \${2:-}" in
  "version "*) echo "kind v0.30.0 go1.24.6 linux/amd64" ;;
  "get clusters")
    if [ -s "$state/clusters" ]; then cat "$state/clusters"; else echo "No kind clusters found." >&2; fi ;;
  "create cluster")
    name=$(opt --name "$@"); config=$(opt --config "$@"); kc=$(opt --kubeconfig "$@")
    cp "$config" "$state/config-$name.yaml"
    cp "$KIND_STANDIN_KUBECONFIG" "$kc"
    echo "$name" >> "$state/clusters"
    echo "Creating cluster \\"$name\\" ..."
    echo " ✓ Ensuring node image (stand-in: no node runs) 🖼" ;;
  "export kubeconfig")
    cp "$KIND_STANDIN_KUBECONFIG" "$(opt --kubeconfig "$@")" ;;
  "export logs")
    mkdir -p "$3"; echo "kind stand-in: no node logs" > "$3/kind-version.txt"
    echo "Exporting logs for cluster \\"$(opt --name "$@")\\" to:"; echo "$3" ;;
  "delete cluster")
    name=$(opt --name "$@")
    grep -vx "$name" "$state/clusters" > "$state/clusters.new" || true
    mv "$state/clusters.new" "$state/clusters"
    echo "Deleting cluster \\"$name\\" ..." ;;
  "load docker-image") echo "Image: \\"$3\\" loaded (stand-in)" ;;
  *) echo "kind stand-in: unsupported: $*" >&2; exit 2 ;;
esac
`;

export class KindStandIn {
  readonly binDir: string;
  readonly state: string;

  constructor(
    dir: string,
    /** The kubeconfig `create cluster` hands out. */
    readonly kubeconfig: string,
  ) {
    this.binDir = path.join(dir, 'bin');
    this.state = path.join(dir, 'state');
    mkdirSync(this.binDir, { recursive: true });
    mkdirSync(path.join(this.state, 'calls'), { recursive: true });
    writeFileSync(path.join(this.binDir, 'kind'), SCRIPT);
    chmodSync(path.join(this.binDir, 'kind'), 0o755);
  }

  /** The environment that puts the stand-in first on PATH. */
  env(): Record<string, string> {
    return {
      PATH: `${this.binDir}:${process.env.PATH}`,
      KIND_STANDIN_STATE: this.state,
      KIND_STANDIN_KUBECONFIG: this.kubeconfig,
    };
  }

  /** Every invocation's argv, in order. */
  calls(): string[][] {
    const dir = path.join(this.state, 'calls');
    return readdirSync(dir)
      .sort()
      .map((f) => readFileSync(path.join(dir, f), 'utf8').replace(/\n$/, '').split('\n'));
  }

  /** The kind config `create cluster` was given. */
  config(name: string): string | undefined {
    const file = path.join(this.state, `config-${name}.yaml`);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  }

  /** Pretend a cluster exists already. */
  addCluster(name: string, kubeconfigTarget?: string): void {
    writeFileSync(path.join(this.state, 'clusters'), `${name}\n`, { flag: 'a' });
    if (kubeconfigTarget) copyFileSync(this.kubeconfig, kubeconfigTarget);
  }
}
