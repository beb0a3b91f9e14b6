import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openStore } from '../../src/store/open.ts';
import { storeSuite } from './store.suite.ts';

const dir = mkdtempSync(join(tmpdir(), 'glass-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

storeSuite('sqlite', {
  fresh: () => openStore(join(dir, `t${n++}.sqlite`)),
  done: (s) => s.close(),
});
