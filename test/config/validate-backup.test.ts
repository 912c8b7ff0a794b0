import { ConfigError, validateConfig } from '../../config';
import {
  BACKUP_JOB_DURATION_MINUTES,
  BACKUP_START_WINDOW_MINUTES,
  inRegionRpoMinutes,
  scheduledBackupAgeMinutes,
} from '../../config/recovery-model';
import { defaultConfigInput } from '../helpers/app';

type EnvInput = ReturnType<typeof defaultConfigInput>['environments'][number];

function problemsWith(envName: string, change: (env: EnvInput) => void): string {
  const input = defaultConfigInput();
  change(input.environments.find((e) => e.name === envName)!);
  try {
    validateConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return '';
}

describe('backup configuration checks', () => {
  test('the default configuration passes', () => {
    expect(() => validateConfig(defaultConfigInput())).not.toThrow();
  });

  test('DeleteAfter shorter than cold storage + 90 days fails synth with a named error', () => {
    const message = problemsWith('Prod', (env) => {
      env.backup = { ...env.backup, monthlyRetentionDays: 100, monthlyColdStorageAfterDays: 30 };
    });
    expect(message).toContain(
      'Prod.backup.monthlyRetentionDays 100: AWS Backup requires DeleteAfter >= MoveToColdStorageAfter (30) + 90 days; set it to 120 or more',
    );
  });

  test('an RPO shorter than the backup schedule can deliver fails synth, naming the delivered minutes', () => {
    const message = problemsWith('Staging', (env) => {
      env.backup = { ...env.backup, scheduleEveryHours: 1, continuousBackup: false };
    });
    expect(message).toContain(
      `Staging.targets.rpoMinutes 60 is shorter than the backup schedule can deliver (${60 + BACKUP_START_WINDOW_MINUTES + BACKUP_JOB_DURATION_MINUTES} min from backup.scheduleEveryHours 1, plus the start window and job duration); set backup.continuousBackup true, back up more often, or raise the RPO`,
    );
  });

  test('a daily schedule cannot meet a 24 h RPO once the start window and job duration count', () => {
    expect(scheduledBackupAgeMinutes(24)).toBeGreaterThan(24 * 60);
    const message = problemsWith('Dev', (env) => {
      env.backup = { ...env.backup, scheduleEveryHours: 24 };
    });
    expect(message).toContain(
      `Dev.targets.rpoMinutes 1440 is shorter than the backup schedule can deliver (${scheduledBackupAgeMinutes(24)} min`,
    );
  });

  test('continuous backup delivers about 5 minutes whatever the schedule', () => {
    expect(inRegionRpoMinutes(true, 24)).toBe(5);
  });

  test('continuous daily retention above 35 days fails synth', () => {
    const message = problemsWith('Prod', (env) => {
      env.backup = { ...env.backup, dailyRetentionDays: 60 };
    });
    expect(message).toContain(
      'Prod.backup.dailyRetentionDays 60: with backup.continuousBackup the daily rule keeps continuous (point-in-time) backups, which AWS Backup keeps at most 35 days; set it to 35 or less',
    );
  });

  test('a rule retention below the vault lock minimum fails synth where the vault is locked, not in Dev', () => {
    const message = problemsWith('Prod', (env) => {
      env.backup = { ...env.backup, hourlyRetentionDays: 2, vaultLockMinRetentionDays: 7 };
    });
    expect(message).toContain(
      'Prod.backup.hourlyRetentionDays 2 is shorter than backup.vaultLockMinRetentionDays 7: the locked vault would fail every such backup job; keep it at least 7 days or lower the lock minimum',
    );
    expect(
      problemsWith(
        'Dev',
        (env) => (env.backup = { ...env.backup, dailyRetentionDays: 3, vaultLockMinRetentionDays: 7 }),
      ),
    ).toBe('');
  });

  test('a tier-1 database keeps 35 days of point-in-time recovery', () => {
    const message = problemsWith('Prod', (env) => {
      env.database = { ...env.database, backupRetentionDays: 7 };
    });
    expect(message).toContain(
      'Prod.database.backupRetentionDays 7: a tier-1 database keeps 35 days of point-in-time recovery; set 35',
    );
  });

  test('the vault lock mode is governance or compliance, with at least 3 grace days', () => {
    const message = problemsWith('Prod', (env) => {
      env.backup = { ...env.backup, vaultLockMode: 'frozen' as never, vaultLockChangeableForDays: 1 };
    });
    expect(message).toContain('Prod.backup.vaultLockMode "frozen": must be "governance" or "compliance"');
    expect(message).toContain('Prod.backup.vaultLockChangeableForDays 1');
  });
});

describe('continuous backup and the cluster retention (AWS Backup manages the cluster PITR)', () => {
  test('Staging with a 35-day continuous rule and a 14-day cluster is refused, naming both fields and the fix', () => {
    const message = problemsWith('Staging', (env) => {
      env.database = { ...env.database, backupRetentionDays: 14 };
      env.backup = { ...env.backup, continuousBackup: true, dailyRetentionDays: 35 };
    });
    expect(message).toContain(
      "Staging.database.backupRetentionDays 14 differs from Staging.backup.dailyRetentionDays 35: with backup.continuousBackup, AWS Backup manages the cluster's point-in-time recovery with the daily rule's retention, and RDS then refuses a cluster update that sends another BackupRetentionPeriod; set both to the same number of days (e.g. backup.dailyRetentionDays: 14)",
    );
  });

  test('the default Staging keeps 14 days on both sides', () => {
    const staging = defaultConfigInput().environments.find((e) => e.name === 'Staging')!;
    expect(staging.database.backupRetentionDays).toBe(14);
    expect(staging.backup?.dailyRetentionDays).toBe(14);
    expect(problemsWith('Staging', () => undefined)).toBe('');
  });

  test('without continuous backup the snapshot rule and the cluster may keep different days', () => {
    expect(
      problemsWith('Dev', (env) => (env.backup = { ...env.backup, continuousBackup: false, dailyRetentionDays: 30 })),
    ).toBe('');
  });
});
