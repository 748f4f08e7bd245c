// Off a GitHub runner, libraries built for Actions still speak to it: @actions/core's `debug` (which
// @actions/tool-cache calls while Flinkship looks for kind) writes `::debug::…` straight to
// process.stdout, where the CLI's result is (`--output json | jq` would break). Outside Actions those
// lines mean nothing: they are dropped there. Each is one write of the whole command and its newline.

/** Drops the `::debug::` workflow commands written to `stream`; everything else passes unchanged. */
export function dropDebugCommands(stream: NodeJS.WritableStream): void {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text =
      typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8', 0, 9) : '';
    if (text.startsWith('::debug::')) {
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      if (callback) process.nextTick(callback);
      return true;
    }
    return write(chunk, ...rest);
  }) as typeof stream.write;
}
