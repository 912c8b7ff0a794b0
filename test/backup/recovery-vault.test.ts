import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RecoveryVault, RecoveryVaultProps } from '../../lib/backup/recovery-vault';

/**
 * The three vaults, one stack each in one App: the App synthesizes (and runs aws-cdk-lib's built-in CloudFormation
 * validation, on by default in a plain `new App()`) once over all three templates, instead of once per vault.
 */
const app = new App();
function vaultTemplate(stackId: string, props: Partial<RecoveryVaultProps>): () => Template {
  const stack = new Stack(app, stackId, { env: { account: '333333333333', region: 'us-east-1' } });
  new RecoveryVault(stack, 'Vault', {
    vaultName: 'orders-prod-backup',
    protection: { retain: true },
    lock: { vaultLockMinRetentionDays: 7, vaultLockMode: 'governance', vaultLockChangeableForDays: 3 },
    ...props,
  });
  return () => Template.fromStack(stack);
}
const governance = vaultTemplate('Governance', {});
const compliance = vaultTemplate('Compliance', {
  lock: { vaultLockMinRetentionDays: 14, vaultLockMode: 'compliance', vaultLockChangeableForDays: 5 },
});
const notRetained = vaultTemplate('NotRetained', { protection: { retain: false } });

describe('RecoveryVault lock modes', () => {
  test('governance: a minimum retention and no ChangeableForDays (the lock stays removable)', () => {
    governance().hasResourceProperties('AWS::Backup::BackupVault', { LockConfiguration: { MinRetentionDays: 7 } });
  });

  test('compliance: ChangeableForDays is the grace time after which the lock is immutable', () => {
    compliance().hasResourceProperties('AWS::Backup::BackupVault', {
      LockConfiguration: { MinRetentionDays: 14, ChangeableForDays: 5 },
    });
  });

  test('no lock where data is not retained', () => {
    const vaults = Object.values(notRetained().findResources('AWS::Backup::BackupVault')) as Array<{
      Properties: Record<string, unknown>;
    }>;
    expect(vaults[0].Properties.LockConfiguration).toBeUndefined();
  });
});
