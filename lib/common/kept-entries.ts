import * as fs from 'fs';
import * as path from 'path';

/** The folder where this checkout keeps one kind of result between runs: node_modules/.cache/<name>. */
export function projectCacheDir(name: string): string {
  return path.join(__dirname, '..', '..', 'node_modules', '.cache', name);
}

/**
 * Values kept as JSON files in a folder, one per content key: what the Control Tower reports, the CloudFormation
 * validation and the cfn-lint findings keep between runs. The key (a SHA-256 of everything that decides the value)
 * is the caller's; this holds what every such cache must do the same way:
 * - an entry is written whole under another name and renamed, so a reader never sees half of one;
 * - an entry carries a format, and one of another format or shape is never returned (code that changes the shape
 *   changes the format);
 * - the folder keeps the most recently used entries (reading one counts as use) and deletes the others;
 * - a folder that cannot be read or written only costs the work again: nothing here throws.
 */
export class KeptEntries<T> {
  constructor(
    readonly dir: string,
    private readonly format: string,
    private readonly kept: number,
    private readonly isValue: (value: unknown) => boolean,
  ) {}

  /** The value kept under `key`, or undefined when there is none, it is damaged, or of another format. */
  get(key: string): T | undefined {
    const file = this.fileOf(key);
    let entry: { format?: unknown; value?: unknown };
    try {
      entry = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof entry;
    } catch {
      return undefined; // absent, or cut short by a crash
    }
    if (entry?.format !== this.format || !this.isValue(entry.value)) return undefined;
    try {
      const now = new Date();
      fs.utimesSync(file, now, now); // recently used entries survive pruning
    } catch {
      // a read-only folder still serves
    }
    return entry.value as T;
  }

  /** Keep `value` under `key`. */
  put(key: string, value: T): void {
    const file = this.fileOf(key);
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      const partial = `${file}.${process.pid}.partial`;
      fs.writeFileSync(partial, JSON.stringify({ format: this.format, value }));
      fs.renameSync(partial, file);
      pruneOldest(this.dir, '.json', this.kept);
    } catch {
      // read-only or full disk: the caller still has its value
    }
  }

  private fileOf(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }
}

/** Keeps the `kept` most recently used files of `dir` whose names end with `suffix`; deletes the others. */
export function pruneOldest(dir: string, suffix: string, kept: number): void {
  const entries = fs
    .readdirSync(dir)
    .filter((name) => name.endsWith(suffix))
    .map((name) => ({ name, mtime: fs.statSync(path.join(dir, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { name } of entries.slice(kept)) fs.rmSync(path.join(dir, name), { force: true });
}
