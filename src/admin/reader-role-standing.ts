import type { Knex } from 'knex';

/**
 * Whether a reader role (REPORTING_ROLE, or a tenant's reader of `tenants grant-reader`) is this
 * warehouse's to manage. Roles are server-wide, databases are not: a role of the same name may be
 * a person's login, a superuser, the ETL's own user, or the reader of another warehouse or another
 * tenant on the same server. mluvii-etl creates, changes and grants only
 * - a role it marked for this database, and this tenant (its comment, `mluvii-etl reader of
 *   database <db>` for every tenant's reader, `mluvii-etl reader of tenant <t> in database <db>`
 *   for one tenant's), or
 * - a plain role nobody else uses (no special attribute, owning nothing, no privileges in another
 *   database, no membership in other roles), which it then marks;
 * and never one that can act as a superuser, create roles or databases, replicate or bypass row
 * security, or owns objects, whatever its comment says.
 */

const MARK_PREFIX = 'mluvii-etl reader of database ';
const TENANT_MARK = /^mluvii-etl reader of tenant ([a-z][a-z0-9_-]{0,39}) in database (.+)$/s;

/** The comment that marks the reader role of `database` (every tenant), or of one `tenant` of it. */
export function readerRoleMark(database: string, tenant?: string): string {
  return tenant === undefined ? `${MARK_PREFIX}${database}` : `mluvii-etl reader of tenant ${tenant} in database ${database}`;
}

/** What a role's comment marks it the reader of (a database, and a tenant for one tenant's reader); undefined when it is no such mark. */
export function readerMarkOf(comment: string | null | undefined): { database: string; tenant?: string } | undefined {
  if (comment?.startsWith(MARK_PREFIX)) return { database: comment.slice(MARK_PREFIX.length) };
  const m = comment ? TENANT_MARK.exec(comment) : null;
  return m ? { database: m[2], tenant: m[1] } : undefined;
}

/** The database a role's comment marks it a reader of (of every tenant or of one); undefined when the comment is not such a mark. */
export function markedDatabase(comment: string | null | undefined): string | undefined {
  return readerMarkOf(comment)?.database;
}

/** Whose reader a mark says the role is, in words. */
const markedAs = (m: { database: string; tenant?: string }) =>
  m.tenant === undefined ? `the reader role of database ${m.database}` : `the reader role of tenant ${m.tenant} of database ${m.database}`;

export type ReaderRoleStanding =
  | { kind: 'absent'; database: string }
  /** Marked for this database. */
  | { kind: 'ours'; database: string; canLogin: boolean }
  /** Not marked, and plain: mluvii-etl may take it on (and marks it). */
  | { kind: 'unmarked'; database: string; canLogin: boolean }
  /** Not ours: `reasons` say why; `handOver` when an admin's COMMENT would make it ours. */
  | { kind: 'refused'; database: string; reasons: string[]; handOver: boolean };

interface RoleFacts {
  database: string;
  exists: boolean;
  comment: string | null;
  is_me: boolean;
  superuser: boolean;
  createrole: boolean;
  createdb: boolean;
  replication: boolean;
  bypassrls: boolean;
  login: boolean;
  owned: string[] | null;
  elsewhere: string[] | null;
  member_of: string[] | null;
}

/** One read of the catalogs (pg_roles, pg_shdepend, pg_auth_members: readable by every user). */
async function roleFacts(db: Knex | Knex.Transaction, role: string): Promise<RoleFacts> {
  const { rows } = await db.raw(
    `WITH here AS (SELECT oid, datname FROM pg_database WHERE datname = current_database()),
          r AS (SELECT * FROM pg_roles WHERE rolname = ?),
          dep AS (
            SELECT d.deptype, CASE WHEN d.dbid <> 0 THEN (SELECT 'database ' || datname FROM pg_database WHERE oid = d.dbid)
                                   WHEN d.classid = 'pg_database'::regclass THEN (SELECT 'database ' || datname FROM pg_database WHERE oid = d.objid)
                              END AS place,
                   d.dbid = (SELECT oid FROM here) OR (d.classid = 'pg_database'::regclass AND d.objid = (SELECT oid FROM here)) AS in_here
              FROM pg_shdepend d, r
             WHERE d.refclassid = 'pg_authid'::regclass AND d.refobjid = r.oid)
     SELECT (SELECT datname::text FROM here) AS database, r.oid IS NOT NULL AS exists,
            shobj_description(r.oid, 'pg_authid') AS comment, coalesce(r.rolname = current_user, false) AS is_me,
            coalesce(r.rolsuper, false) AS superuser, coalesce(r.rolcreaterole, false) AS createrole,
            coalesce(r.rolcreatedb, false) AS createdb, coalesce(r.rolreplication, false) AS replication,
            coalesce(r.rolbypassrls, false) AS bypassrls, coalesce(r.rolcanlogin, false) AS login,
            (SELECT array_agg(coalesce(place, 'a server-wide object')) FROM dep WHERE deptype = 'o') AS owned,
            (SELECT array_agg(DISTINCT coalesce(place, 'a server-wide object')) FROM dep WHERE deptype <> 'o' AND NOT in_here) AS elsewhere,
            (SELECT array_agg(g.rolname::text ORDER BY g.rolname) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid) AS member_of
       FROM (SELECT 1) one LEFT JOIN r ON true`,
    [role],
  );
  return rows[0] as RoleFacts;
}

const list = (xs: string[]) => [...new Set(xs)].sort().join(', ');

/** Judges REPORTING_ROLE, or with `tenant` the reader role of that tenant alone (see the module comment). Read-only. */
export async function readerRoleStanding(db: Knex | Knex.Transaction, role: string, tenant?: string): Promise<ReaderRoleStanding> {
  const f = await roleFacts(db, role);
  const database = f.database;
  if (!f.exists) return { kind: 'absent', database };

  // Never, whatever the comment says.
  const hard: string[] = [];
  if (f.is_me) hard.push('it is the user DATABASE_URL connects as (the ETL\'s own user)');
  if (f.superuser) hard.push('it is a superuser');
  if (f.createrole) hard.push('it may create roles (CREATEROLE)');
  if (f.createdb) hard.push('it may create databases (CREATEDB)');
  if (f.replication) hard.push('it is a replication role');
  if (f.bypassrls) hard.push('it bypasses row-level security');
  if (f.owned?.length) hard.push(`it owns ${f.owned.length} object(s) (in ${list(f.owned)})`);

  const marked = readerMarkOf(f.comment);
  const isOurs = marked !== undefined && marked.database === database && marked.tenant === tenant;
  if (isOurs && !hard.length) return { kind: 'ours', database, canLogin: f.login };

  // Someone else's: another warehouse's or tenant's reader, a role in use elsewhere, or one an admin described.
  const soft: string[] = [];
  if (marked !== undefined && !isOurs) {
    const every = marked.tenant === undefined && marked.database === database ? ': it sees every tenant' : '';
    soft.push(`it is ${markedAs(marked)} (its comment says so)${every}`);
  } else if (marked === undefined) {
    if (f.comment) soft.push(`its comment is not mluvii-etl's mark: "${f.comment.slice(0, 80)}"`);
    if (f.elsewhere?.length) soft.push(`it has privileges in ${list(f.elsewhere)}`);
    if (f.member_of?.length) soft.push(`it is a member of ${list(f.member_of)} (it would read what they read)`);
  }
  if (!hard.length && !soft.length) return { kind: 'unmarked', database, canLogin: f.login };
  return { kind: 'refused', database, reasons: [...hard, ...soft], handOver: !hard.length };
}

/** What to do about a refused role: another name, or (when it would help) an admin's hand-over. With `tenant`: a reader of that tenant alone. */
export function refusalAdvice(role: string, standing: Extract<ReaderRoleStanding, { kind: 'refused' }>, defaultRole: string, tenant?: string): string {
  const other = defaultRole !== role ? `, e.g. ${defaultRole} (the default${tenant === undefined ? ' when REPORTING_ROLE is unset' : ''})` : '';
  const whose = tenant === undefined ? "this warehouse's reader" : `tenant ${tenant}'s reader`;
  const handOver = standing.handOver
    ? `; or, if ${role} is to be ${whose} alone, an admin hands it over with: COMMENT ON ROLE ${role} IS '${readerRoleMark(standing.database, tenant).replace(/'/g, "''")}'`
    : '';
  return tenant === undefined
    ? `set REPORTING_ROLE to a new role name${other}, then run migrate${handOver}`
    : `name a new role${other}${handOver}`;
}

/** The one-line refusal: what is wrong with the role and what to do instead. */
export function refusalMessage(role: string, standing: Extract<ReaderRoleStanding, { kind: 'refused' }>, defaultRole: string, tenant?: string): string {
  const what = tenant === undefined ? `REPORTING_ROLE ${role}` : `${role}`;
  const which = tenant === undefined ? `the reader role of this database (${standing.database})` : `the reader roles of this database (${standing.database}) it created or was handed`;
  return (
    `${what} is not a role mluvii-etl may manage: ${standing.reasons.join('; ')}. ` +
    `Roles are server-wide; mluvii-etl only creates and changes ${which}. ` +
    `To fix: ${refusalAdvice(role, standing, defaultRole, tenant)}`
  );
}
