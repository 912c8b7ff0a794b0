/**
 * The incidents table's key and index names, shared by the construct (lib/incidents), the handler and the CLI.
 * Item layouts are documented in store.ts.
 */
export const INCIDENT_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  statusIndex: 'byStatus',
  statusIndexPartitionKey: 'status',
  statusIndexSortKey: 'detectedKey',
  ttlAttribute: 'expiresAt',
} as const;
