/**
 * The layout docs/architecture.md describes, held to the code: data flows one way, the pipeline
 * orchestrates and src/load owns every query, no module imports one that imports it back, and no
 * file grows past what a newcomer reads in one sitting.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { TRANSFORM_SHARED_MODULES } from '../../src/util/transform-version.js';

const tracked = (...paths: string[]): string[] =>
  execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', ...paths], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .filter((f) => {
      try {
        readFileSync(f);
        return true;
      } catch {
        return false; // deleted in the work tree, not yet in the index
      }
    });

const sources = tracked('src').filter((f) => f.endsWith('.ts'));

/** The relative imports of a module (static, re-exports, type-only and dynamic alike), as repository paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s+['"]([^'"]+)['"]/g), ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]);
  return specifiers.filter((s) => s.startsWith('.')).map((s) => normalize(join(dirname(file), s)).replace(/\.js$/, '.ts'));
}

const graph = new Map(sources.map((f) => [f, importsOf(f)]));

/** Every import cycle, each as the path that closes it. */
function cycles(): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const to of graph.get(f) ?? []) {
      if (!graph.has(to)) continue;
      if (state.get(to) === 'open') found.push([...stack.slice(stack.indexOf(to)), to]);
      else if (!state.has(to)) visit(to);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return found;
}

const layer = (f: string) => f.split('/')[1];

describe('architecture', () => {
  it('finds the modules it checks (the import reader works)', () => {
    expect(sources.length).toBeGreaterThan(50);
    expect(graph.get('src/cli.ts')).toContain('src/commands/index.ts');
    expect(graph.get('src/commands/command.ts')).toEqual(expect.arrayContaining(['src/config.ts', 'src/log.ts']));
  });

  it('has no import cycle in src/ (type imports count)', () => {
    expect(cycles().map((c) => c.join(' → '))).toEqual([]);
  });

  it('keeps data flowing one way: transform touches neither the API client, the database nor the pipeline; load never calls the API', () => {
    const wrong: string[] = [];
    for (const [f, imports] of graph) {
      for (const to of imports) {
        // The API's payload types are shapes, not calls: the transform reads them.
        if (layer(f) === 'transform' && ['mluvii', 'load', 'pipeline', 'db', 'commands', 'admin'].includes(layer(to)) && to !== 'src/mluvii/types.ts') wrong.push(`${f} → ${to}`);
        if (layer(f) === 'load' && ['pipeline', 'commands', 'simulator'].includes(layer(to))) wrong.push(`${f} → ${to}`);
        if (layer(f) === 'load' && layer(to) === 'mluvii' && !to.endsWith('/types.ts')) wrong.push(`${f} → ${to}`);
        if (layer(f) !== 'commands' && layer(f) !== 'cli.ts' && layer(to) === 'commands') wrong.push(`${f} → ${to}`);
        // The job queue runs the pipeline's units; the pipeline never knows it is being run by one.
        if (['pipeline', 'load', 'transform', 'mluvii', 'db', 'admin'].includes(layer(f)) && layer(to) === 'jobs') wrong.push(`${f} → ${to}`);
      }
      const text = readFileSync(f, 'utf8');
      if (layer(f) === 'transform' && /from ['"](knex|pg|got|node:fs|node:http)['"]/.test(text)) wrong.push(`${f} imports an I/O package`);
    }
    expect(wrong).toEqual([]);
  });

  it('lets the transform run no code from outside its folder but the shared modules its version hashes', () => {
    const allowed = new Set([...TRANSFORM_SHARED_MODULES.map((m) => `src/${m}.ts`), 'src/mluvii/types.ts']);
    const outside = [...graph].flatMap(([f, imports]) => (layer(f) === 'transform' ? imports.filter((to) => layer(to) !== 'transform' && !allowed.has(to)).map((to) => `${f} → ${to}`) : []));
    expect(outside).toEqual([]);
    // The API's payload types leave no code: imported as types only.
    for (const f of sources.filter((x) => layer(x) === 'transform')) expect(readFileSync(f, 'utf8')).not.toMatch(/import\s+\{[^}]*\}\s+from\s+'\.\.\/mluvii\/types\.js'/);
  });

  it('has no SQL and no query-builder call in src/pipeline/, src/jobs/, src/commands/ or src/doctor/ (src/load and src/admin own every query)', () => {
    const offending: string[] = [];
    for (const f of sources.filter((x) => ['pipeline', 'jobs', 'commands', 'doctor'].includes(layer(x)))) {
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/\.(raw|transaction|select|insert|where|from|delete|del|returning|onConflict|merge)\(|\b(knex|trx|db)\(|\b(INSERT INTO|DELETE FROM|UPDATE \w+\.\w+ SET)\b|\bSELECT\b.*\bFROM (core|raw|etl)\./.test(line)) {
            offending.push(`${f}:${i + 1}: ${line.trim()}`);
          }
        });
    }
    expect(offending).toEqual([]);
  });

  it('keeps every file in src/ and migrations/ at 400 lines or fewer', () => {
    const long = tracked('src', 'migrations')
      .map((f) => ({ f, lines: readFileSync(f, 'utf8').split('\n').length - 1 }))
      .filter((x) => x.lines > 400)
      .map((x) => `${x.f}: ${x.lines} lines`);
    expect(long).toEqual([]);
  });

  it('gives each CLI command one module under src/commands/ holding its options and handler', async () => {
    const { COMMANDS } = await import('../../src/commands/index.js');
    const modules = tracked('src/commands').filter((f) => !['src/commands/index.ts', 'src/commands/command.ts', 'src/commands/time-options.ts', 'src/commands/tenant-option.ts'].includes(f));
    expect(COMMANDS.map((c) => `src/commands/${c.name}.ts`).sort()).toEqual(modules.sort());
    for (const c of COMMANDS) expect(typeof c.handler).toBe('function');
  });
});
