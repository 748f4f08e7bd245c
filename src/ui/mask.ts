// The values registered as secrets, and the one function that hides them in text about to be written.
// Every way a verb's words leave the process (terminal, --output json, stack traces, annotations,
// outputs, job summary) goes through mask(), so a secret registered once is hidden everywhere.

export const MASK = '***';

export class Secrets {
  private readonly values: string[] = [];

  /** A multi-line value is hidden whole and line by line, as the Actions runner does. */
  add(value: string): void {
    for (const v of [value, ...value.split(/\r?\n/).map((l) => l.trim())]) {
      if (v && !this.values.includes(v)) this.values.push(v);
    }
    // Longest first, so that a secret containing another is hidden whole.
    this.values.sort((a, b) => b.length - a.length);
  }

  mask(text: string): string {
    let out = text;
    for (const s of this.values) out = out.split(s).join(MASK);
    return out;
  }
}
