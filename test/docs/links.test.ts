import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The repository stands on its own: what its documents link to is in the repository, and nothing
 * cites the design notes the project started from, which are not part of it.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every file under `dir` (relative to the root) whose extension is one of `exts`. */
function filesUnder(dir: string, exts: readonly string[]): string[] {
  const abs = join(ROOT, dir);
  if (!existsSync(abs)) return [];
  const out: string[] = [];
  for (const e of readdirSync(abs, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const rel = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(rel, exts));
    else if (e.isFile() && exts.includes(extname(e.name))) out.push(rel);
  }
  return out;
}

/** The documents a reader of the repository starts from. */
function documents(): string[] {
  return ['README.md', ...filesUnder('docs', ['.md'])];
}

/** Markdown text without fenced code blocks and inline code, where `[x](y)` is not a link. */
function prose(md: string): string {
  return md.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Relative link targets of a markdown document: `[text](target)`, URLs and mail links left out. */
function relativeLinks(md: string): string[] {
  const out: string[] = [];
  for (const m of prose(md).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = m[1] as string;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    out.push(target);
  }
  return out;
}

/** The anchors GitHub gives a document's headings (lower case, punctuation dropped, spaces to dashes, repeats numbered). */
function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of md.replace(/^```[\s\S]*?^```/gm, '').split('\n')) {
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (h === null) continue;
    const base = (h[1] as string)
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

test('every relative link in README.md and docs/*.md resolves to a file of the repository, and its #anchor to a heading there', () => {
  const docs = documents();
  assert.ok(docs.length > 1, 'docs/ holds the project’s own documentation');
  const broken: string[] = [];
  let checked = 0;
  for (const doc of docs) {
    const md = readFileSync(join(ROOT, doc), 'utf8');
    for (const link of relativeLinks(md)) {
      checked++;
      const [path, anchor] = link.split('#') as [string, string | undefined];
      const target = path === '' ? join(ROOT, doc) : resolve(ROOT, dirname(doc), decodeURIComponent(path));
      if (!target.startsWith(ROOT) || !existsSync(target)) {
        broken.push(`${doc}: ${link} (no such file)`);
        continue;
      }
      if (anchor === undefined || anchor === '') continue;
      if (!statSync(target).isFile() || extname(target) !== '.md') {
        broken.push(`${doc}: ${link} (an anchor into a file that is not markdown)`);
        continue;
      }
      if (!anchors(readFileSync(target, 'utf8')).has(anchor))
        broken.push(`${doc}: ${link} (no heading #${anchor} in ${relative(ROOT, target)})`);
    }
  }
  assert.ok(checked > 0, 'the documents link to each other');
  assert.deepEqual(broken, []);
});

test('nothing in the repository cites the design notes it does not contain', () => {
  // Built, not written out, so this file does not cite them itself.
  const notes = ['SPEC', 'DOMAIN'].map((n) => `${n}.md`);
  const files = [
    ...documents(),
    ...['src', 'test', 'bench', 'scripts', '.ci'].flatMap((d) => filesUnder(d, ['.ts', '.js', '.md', '.json', '.sh', ''])),
  ];
  const citing: string[] = [];
  for (const f of files) {
    const text = readFileSync(join(ROOT, f), 'utf8');
    text.split('\n').forEach((line, i) => {
      for (const n of notes) if (line.includes(n)) citing.push(`${f}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(citing, []);
});

test('the anchor rule matches GitHub’s on the headings these documents use', () => {
  assert.deepEqual(
    [
      ...anchors(
        '## 7. Does it rank skill?\n### What `msg` can be\n## Following the venue live (`glass live`, `glass record`)\n## Files\n## Files',
      ),
    ],
    ['7-does-it-rank-skill', 'what-msg-can-be', 'following-the-venue-live-glass-live-glass-record', 'files', 'files-1'],
  );
  assert.deepEqual(relativeLinks('[a](docs/x.md#y) [b](https://e.org) `[c](z.md)` [d](#top)'), ['docs/x.md#y', '#top']);
});
