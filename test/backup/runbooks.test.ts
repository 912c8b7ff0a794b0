import * as fs from 'fs';
import * as path from 'path';
import { runbookProblems } from '../../lib/monitoring/runbook-check';

const RUNBOOKS = path.join(__dirname, '..', '..', 'runbooks');

describe('backup and restore runbooks', () => {
  test.each(['backup-stale', 'restore-database-pitr', 'restore-backup-recovery-point', 'restore-archived-object'])(
    '%s.md has every field and section',
    (id) => {
      const text = fs.readFileSync(path.join(RUNBOOKS, `${id}.md`), 'utf8');
      expect(runbookProblems(text)).toEqual([]);
    },
  );

  test('the restore runbooks carry the exact commands', () => {
    const read = (id: string) => fs.readFileSync(path.join(RUNBOOKS, `${id}.md`), 'utf8');
    expect(read('restore-database-pitr')).toContain('aws rds restore-db-cluster-to-point-in-time');
    expect(read('restore-backup-recovery-point')).toContain('aws backup start-restore-job');
    expect(read('restore-archived-object')).toMatch(/aws s3api restore-object[\s\S]*GlacierJobParameters[\s\S]*Tier/);
    expect(read('backup-stale')).toContain('aws backup delete-backup-vault-lock-configuration');
  });
});
