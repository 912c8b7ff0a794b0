import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RecoveryVault, RecoveryVaultProps } from '../../lib/backup/recovery-vault';

function vaultTemplate(props: Partial<RecoveryVaultProps>): Template {
  const stack = new Stack(new App(), 'VaultTest', { env: { account: '333333333333', region: 'us-east-1' } });
  new RecoveryVault(stack, 'Vault', {
    vaultName: 'orders-prod-backup',
    protection: { retain: true },
    lock: { vaultLockMinRetentionDays: 7, vaultLockMode: 'governance', vaultLockChangeableForDays: 3 },
    ...props,
  });
  return Template.fromStack(stack);
}

describe('RecoveryVault lock modes', () => {
  test('governance: a minimum retention and no ChangeableForDays (the lock stays removable)', () => {
    vaultTemplate({}).hasResourceProperties('AWS::Backup::BackupVault', { LockConfiguration: { MinRetentionDays: 7 } });
  });

  test('compliance: ChangeableForDays is the grace time after which the lock is immutable', () => {
    vaultTemplate({
      lock: { vaultLockMinRetentionDays: 14, vaultLockMode: 'compliance', vaultLockChangeableForDays: 5 },
    }).hasResourceProperties('AWS::Backup::BackupVault', {
      LockConfiguration: { MinRetentionDays: 14, ChangeableForDays: 5 },
    });
  });

  test('no lock where data is not retained', () => {
    const vaults = Object.values(
      vaultTemplate({ protection: { retain: false } }).findResources('AWS::Backup::BackupVault'),
    ) as Array<{ Properties: Record<string, unknown> }>;
    expect(vaults[0].Properties.LockConfiguration).toBeUndefined();
  });
});
