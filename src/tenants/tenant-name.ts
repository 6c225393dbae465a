/**
 * A tenant's name keys its rows, names its reader role and its advisory locks, and is typed on the
 * command line: lower-case letters, digits, `_` and `-`, starting with a letter, at most 40.
 */
export const TENANT_NAME = /^[a-z][a-z0-9_-]{0,39}$/;

export const isTenantName = (name: string): boolean => TENANT_NAME.test(name);

/** The rule in words, for messages. */
export const TENANT_NAME_RULE = 'a lower-case name (letters, digits, _ and -, starting with a letter, at most 40)';
