// Checks the deployment files without a Docker engine: every YAML file parses; the compose file
// and the Kubernetes manifests reference only pinned images (a tag that is not `latest`, or a
// digest; `${VAR:-default}` counts by its default); the Dockerfile parses into known
// instructions, pins its base images, copies only files that exist, and ends as a non-root user.
// Prints one line per problem and exits 1 if there is any.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const problems = [];
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' }).split('\n').filter(Boolean);

/** `${VAR:-default}` / `${VAR-default}` → default; `${VAR}` without one → undefined (unpinned). */
function interpolate(text) {
  let unresolved = false;
  const out = text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (_m, _name, dflt) => {
    if (dflt === undefined) unresolved = true;
    return dflt ?? '';
  });
  return unresolved ? undefined : out;
}

function checkImage(where, image) {
  const ref = interpolate(String(image));
  if (ref === undefined) return problems.push(`${where}: image "${image}" depends on a variable without a pinned default`);
  if (ref.includes('@sha256:')) return;
  const lastPart = ref.split('/').pop();
  const tag = lastPart.includes(':') ? lastPart.split(':').pop() : undefined;
  if (!tag) problems.push(`${where}: image "${ref}" has no tag`);
  else if (tag === 'latest') problems.push(`${where}: image "${ref}" uses latest`);
}

const yamlFiles = files.filter((f) => /\.ya?ml$/.test(f));
const docsOf = new Map();
for (const file of yamlFiles) {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  for (const doc of docs) for (const e of doc.errors) problems.push(`${file}: ${e.message.split('\n')[0]}`);
  docsOf.set(file, docs.map((d) => d.toJS()));
}

const compose = docsOf.get('docker-compose.yml')?.[0];
if (!compose?.services) problems.push('docker-compose.yml: no services');
for (const [name, service] of Object.entries(compose?.services ?? {})) {
  if (service.image === undefined) problems.push(`docker-compose.yml: service ${name} has no image`);
  else checkImage(`docker-compose.yml service ${name}`, service.image);
  const command = JSON.stringify(service.command ?? '') + JSON.stringify(service.entrypoint ?? '');
  if (/npm (ci|install)/.test(command)) problems.push(`docker-compose.yml service ${name}: installs packages at start`);
}
if (compose?.services?.etl && !/^mluvii-etl:/.test(String(compose.services.etl.image))) problems.push('docker-compose.yml: service etl does not use the mluvii-etl image');
const version = JSON.parse(readFileSync('package.json', 'utf8')).version;
if (compose?.services?.etl && interpolate(String(compose.services.etl.image)) !== `mluvii-etl:${version}`) {
  problems.push(`docker-compose.yml: service etl's image should default to mluvii-etl:${version} (package.json)`);
}

// Workers: a SIGTERM gives a worker ETL_WORKER_GRACE (25 s by default) to finish or hand back its
// jobs; whatever stops it must wait longer than that before SIGKILL.
const WORKER_GRACE_SECONDS = 25;
const runsWorker = (command) => JSON.stringify(command ?? '').includes('"worker"');
const composeSeconds = (text) => {
  const m = /^(\d+)(s|m)$/.exec(String(text ?? ''));
  return m ? Number(m[1]) * (m[2] === 'm' ? 60 : 1) : 10; // docker compose's default is 10 s
};
const composeWorkers = Object.entries(compose?.services ?? {}).filter(([, service]) => runsWorker(service.command));
if (composeWorkers.length === 0) problems.push('docker-compose.yml: no service runs `mluvii-etl worker`');
for (const [name, service] of composeWorkers) {
  if (composeSeconds(service.stop_grace_period) <= WORKER_GRACE_SECONDS) problems.push(`docker-compose.yml service ${name}: stop_grace_period must exceed the workers' ${WORKER_GRACE_SECONDS} s grace`);
  const replicas = Number(interpolate(String(service.deploy?.replicas ?? 1)));
  if (!(replicas >= 2)) problems.push(`docker-compose.yml service ${name}: runs ${replicas} worker(s); the example runs at least 2`);
}

function* containers(node) {
  if (Array.isArray(node)) for (const x of node) yield* containers(x);
  else if (node && typeof node === 'object') {
    for (const key of ['containers', 'initContainers']) if (Array.isArray(node[key])) yield* node[key];
    for (const v of Object.values(node)) yield* containers(v);
  }
}
for (const [file, docs] of docsOf) {
  for (const doc of docs) {
    if (!doc || typeof doc !== 'object' || !doc.kind) continue;
    for (const c of containers(doc)) checkImage(`${file} ${doc.kind} ${doc.metadata?.name} container ${c.name}`, c.image);
    if (doc.kind === 'Deployment' && [...containers(doc)].some((c) => runsWorker(c.command ?? c.args))) {
      const grace = doc.spec?.template?.spec?.terminationGracePeriodSeconds ?? 30;
      if (grace <= WORKER_GRACE_SECONDS) problems.push(`${file} Deployment ${doc.metadata?.name}: terminationGracePeriodSeconds must exceed the workers' ${WORKER_GRACE_SECONDS} s grace`);
    }
    if (doc.kind === 'CronJob') {
      if (doc.spec?.concurrencyPolicy !== 'Forbid') problems.push(`${file} CronJob ${doc.metadata?.name}: concurrencyPolicy is not Forbid`);
      if (doc.spec?.jobTemplate?.spec?.backoffLimit === undefined) problems.push(`${file} CronJob ${doc.metadata?.name}: no backoffLimit`);
    }
  }
}

// The Dockerfile: instructions, pinned bases, COPY sources that exist, a non-root final stage.
const INSTRUCTIONS = new Set(['FROM', 'RUN', 'CMD', 'LABEL', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL']);
const dockerfile = readFileSync('Dockerfile', 'utf8').replace(/\\\r?\n/g, ' ');
const args = new Map();
const stages = [];
let user;
for (const [i, raw] of dockerfile.split('\n').entries()) {
  const line = raw.trim();
  if (!line || line.startsWith('#')) continue;
  const [word, ...rest] = line.split(/\s+/);
  const instruction = word.toUpperCase();
  if (!INSTRUCTIONS.has(instruction)) {
    problems.push(`Dockerfile line ${i + 1}: unknown instruction ${word}`);
    continue;
  }
  if (instruction === 'ARG' && stages.length === 0) {
    const [name, value] = rest.join(' ').split('=');
    args.set(name, value);
  }
  if (instruction === 'FROM') {
    const image = rest.find((x) => !x.startsWith('--')).replace(/\$\{?([A-Za-z_]+)\}?/g, (_m, n) => args.get(n) ?? '');
    const alias = rest[rest.length - 2]?.toUpperCase() === 'AS' ? rest[rest.length - 1] : undefined;
    if (!stages.includes(image)) checkImage('Dockerfile FROM', image);
    stages.push(alias ?? image);
    user = undefined;
  }
  if (instruction === 'USER') user = rest[0];
  if (instruction === 'COPY' && !rest.some((x) => x.startsWith('--from='))) {
    const parts = rest.filter((x) => !x.startsWith('--'));
    for (const src of parts.slice(0, -1)) if (!existsSync(src)) problems.push(`Dockerfile line ${i + 1}: COPY source ${src} does not exist`);
  }
}
if (stages.length < 2) problems.push('Dockerfile: not a multi-stage build');
if (!user || user === 'root' || user === '0') problems.push('Dockerfile: the final stage does not run as a non-root USER');
if (!existsSync('.dockerignore')) problems.push('.dockerignore is missing');
else {
  const ignored = readFileSync('.dockerignore', 'utf8').split('\n').map((l) => l.trim());
  for (const must of ['node_modules', '.env', '.git']) if (!ignored.includes(must)) problems.push(`.dockerignore does not exclude ${must}`);
}

for (const p of problems) console.log(`deploy files: ${p}`);
console.log(`deploy files: ${yamlFiles.length} YAML files, Dockerfile (${stages.length} stages): ${problems.length === 0 ? 'ok' : `${problems.length} problem(s)`}`);
process.exit(problems.length === 0 ? 0 : 1);
