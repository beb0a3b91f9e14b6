import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One versioned schema change: `migrations/<dialect>/NNN_name.sql`, applied in version order. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
const FILE = /^(\d{3})_([a-z0-9_]+)\.sql$/;

/** The dialect's migrations, oldest first; a gap or a duplicate version is a broken checkout. */
export function migrations(dialect: 'sqlite' | 'postgres'): Migration[] {
  const out: Migration[] = [];
  for (const f of readdirSync(join(DIR, dialect)).sort()) {
    const m = FILE.exec(f);
    if (m === null) continue;
    out.push({ version: Number(m[1]), name: m[2] as string, sql: readFileSync(join(DIR, dialect, f), 'utf8') });
  }
  out.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`store migrations (${dialect}): expected version ${i + 1}, found ${m.version}_${m.name}`);
  });
  return out;
}
