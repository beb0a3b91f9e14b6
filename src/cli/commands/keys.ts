import { plural } from '../../domain/format.ts';
import { InputError } from '../../recording/errors.ts';
import { DEFAULT_KEY_RATE, newKey } from '../../server/auth.ts';
import { openExistingStore } from '../../store/open.ts';
import { type CommandSpec, flag, intOption, parseCommand, strOption, UsageError } from '../args.ts';
import { printJson, printText } from '../output.ts';

export const keysSpec: CommandSpec = {
  name: 'keys',
  summary: 'API keys for glass serve: create (the secret is printed once), list, revoke. Only a SHA-256 hash is stored.',
  usage: 'create --name N [--rate R] | list | revoke ID   [--db SPEC] [--json]',
  options: { name: { type: 'string' }, rate: { type: 'string' }, db: { type: 'string' }, json: { type: 'boolean' } },
  help: [
    'create --name N   a new key; prints its id and secret (send it as x-api-key or Authorization: Bearer)',
    `--rate R          requests a minute the key may make (default ${DEFAULT_KEY_RATE}); over it: 429 with Retry-After`,
    'list              every key: id, name, rate, created, revoked (never the secret)',
    'revoke ID         the key stops working (within 5 s on a running server)',
    '--db SPEC         the store (default GLASS_DATABASE_URL, else ./glass.sqlite); it must exist (glass replay F --db or',
    '                  glass demo --serve --db writes one)',
  ],
  positionals: { min: 1, max: 2 },
};

export async function keysCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(keysSpec, argv);
  if (p === null) return 0;
  const [action, arg] = p.positionals;
  if (action !== 'create' && action !== 'list' && action !== 'revoke') throw new UsageError(`create, list or revoke, not ${action}`);
  if ((action === 'revoke') !== (arg !== undefined))
    throw new UsageError(action === 'revoke' ? 'glass keys revoke needs the key id' : `glass keys ${action} takes no argument`);
  const name = strOption(p, 'name');
  if (action === 'create' && (name === undefined || name.trim() === '' || name.length > 200))
    throw new UsageError('create needs --name N (up to 200 characters)');
  const rate = intOption(p, 'rate', DEFAULT_KEY_RATE, 1, 1_000_000);
  // A mistyped --db is refused, not made into a new store holding the key.
  const store = await openExistingStore(strOption(p, 'db'));
  try {
    if (action === 'create') {
      const { record, secret } = newKey((name as string).trim(), rate, Date.now());
      await store.createKey(record);
      if (flag(p, 'json')) await printJson({ id: record.id, name: record.name, rateLimit: record.rateLimit, secret });
      else {
        await printText(`${secret}\n`);
        process.stderr.write(
          `created ${record.id} "${record.name}", ${record.rateLimit} requests a minute; the secret above is shown only now\n`,
        );
      }
      return 0;
    }
    if (action === 'revoke') {
      const ok = await store.revokeKey(arg as string, Date.now());
      // The command line is well formed; the key it names is not there: an input error (exit 1).
      if (!ok) throw new InputError(`no active key ${arg} (glass keys list shows them)`);
      process.stderr.write(`revoked ${arg}\n`);
      return 0;
    }
    const keys = await store.keys();
    if (flag(p, 'json')) {
      await printJson(keys.map(({ hash: _hash, ...k }) => k));
      return 0;
    }
    const lines = [plural(keys.length, 'key')];
    for (const k of keys) {
      const state = k.revokedAt === null ? 'active' : `revoked ${new Date(k.revokedAt).toISOString()}`;
      lines.push(
        `  ${k.id}  ${k.name.padEnd(20)} ${String(k.rateLimit).padStart(7)}/min  created ${new Date(k.createdAt).toISOString()}  ${state}`,
      );
    }
    await printText(`${lines.join('\n')}\n`);
    return 0;
  } finally {
    await store.close();
  }
}
