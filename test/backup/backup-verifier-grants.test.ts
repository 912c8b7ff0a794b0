import { ArnFormat, Duration, Fn, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import { Template } from 'aws-cdk-lib/assertions';
import { BackupVerifier } from '../../lib/backup/backup-verifier';
import { Naming } from '../../lib/common/naming';
import { AlarmFactory } from '../../lib/monitoring/alarm-factory';
import { SeverityTopics } from '../../lib/monitoring/severity-topics';
import { testApp } from '../helpers/app';

type Statement = { Action: string | string[]; Resource: unknown };

const CLUSTER = 'arn:aws:rds:us-east-1:111111111111:cluster:orders-dev-db';
const INSTANCE = 'arn:aws:rds:us-east-1:111111111111:db:orders-dev-reporting';
const readClusters = (resource: unknown): unknown =>
  expect.objectContaining({ Action: 'rds:DescribeDBClusters', Resource: resource });

/** The RDS statements of a verifier whose one vault store protects these resources. */
function rdsStatements(resources: readonly string[] | ((stack: Stack) => string[])): Statement[] {
  const stack = new Stack(testApp(), 'VerifierGrants', { env: { account: '111111111111', region: 'us-east-1' } });
  const resourceArns = typeof resources === 'function' ? resources(stack) : resources;
  const naming = new Naming('orders', 'Dev');
  const topics = new SeverityTopics(stack, 'Topics', { naming, subscriptions: {} });
  new BackupVerifier(stack, 'Verifier', {
    naming,
    protection: { retain: false },
    alarms: new AlarmFactory({ naming, topics, runbookBaseUrl: 'https://runbooks.example.com' }),
    stores: [
      {
        kind: 'backup-vault',
        store: 'vault',
        vault: backup.BackupVault.fromBackupVaultName(stack, 'Vault', 'orders-dev-vault'),
        resourceArns,
        maxAge: Duration.hours(1),
      },
    ],
  });
  return Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
    .filter((s) => [s.Action].flat().some((action) => action.startsWith('rds:')));
}

// The handler (lambdas/backup-verifier/freshness.ts) calls DescribeDBInstances for a db: ARN only and
// DescribeDBClusters for a cluster. IAM matches DescribeDBInstances against the db resource type
// (arn:${Partition}:rds:${Region}:${Account}:db:${DbInstanceName}) and DescribeDBClusters against cluster
// (arn:${Partition}:rds:${Region}:${Account}:cluster:${DbClusterInstanceName}): Service Authorization Reference,
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html
describe('backup verifier: each RDS read on the resource type its action takes', () => {
  test('a vault of an Aurora cluster grants DescribeDBClusters on the cluster and no DescribeDBInstances', () => {
    expect(rdsStatements([CLUSTER])).toEqual([readClusters(CLUSTER)]);
  });

  test('a cluster ARN naming its cluster by reference (as DatabaseCluster.clusterArn does) reads as a cluster', () => {
    const clusterArn = (stack: Stack): string[] => [
      stack.formatArn({
        service: 'rds',
        resource: 'cluster',
        resourceName: Fn.ref('DatabaseCluster'),
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    ];
    expect(rdsStatements(clusterArn)).toEqual([
      readClusters({ 'Fn::Join': ['', ['arn:aws:rds:us-east-1:111111111111:cluster:', { Ref: 'DatabaseCluster' }]] }),
    ]);
  });

  test('a vault of a DB instance and a cluster grants DescribeDBInstances on the instance only', () => {
    expect(rdsStatements([CLUSTER, INSTANCE])).toEqual([
      readClusters(CLUSTER),
      expect.objectContaining({ Action: 'rds:DescribeDBInstances', Resource: INSTANCE }),
    ]);
  });

  test('a vault of non-RDS resources grants no RDS read', () => {
    expect(rdsStatements(['arn:aws:dynamodb:us-east-1:111111111111:table/orders-dev-sessions'])).toEqual([]);
  });

  test('an ARN whose type is unknown at synth is refused with what to pass instead', () => {
    expect(() => rdsStatements([Fn.importValue('orders-dev-cluster-arn')])).toThrow(
      /BackupVerifier store vault: resource ARN .* is unresolved at synth.*Stack\.formatArn/,
    );
  });
});
