import { AuditStoreError } from '../../errors/audit-store.error';

/** Checks a schema or table name, since it is put into SQL text. */
export function checkIdentifier(store: string, what: string, name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw new AuditStoreError(
      `${store}: ${what} "${name}" must be letters, digits and _ (at most 63, not a digit first).`,
    );
  }
  return name;
}
