import { defaultConfig, synthBulwark } from '../helpers/app';

/*
 * Issue 12, items 4 and 5: what makes a first deploy fail on real AWS, checked on every template the app
 * synthesizes, with the drill (`-c drill=true`) and without.
 */
type Resource = { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string };
type Templates = Record<string, Record<string, Resource>>;

function allTemplates(options: { drill?: boolean }): Templates {
  const bulwark = synthBulwark(defaultConfig(), { drill: options.drill });
  const out: Templates = {};
  for (const artifact of bulwark.assembly.stacks) {
    out[artifact.stackName] = (artifact.template as { Resources: Record<string, Resource> }).Resources;
  }
  return out;
}

const variants: [string, { drill?: boolean }][] = [
  ['default config', {}],
  ['-c drill=true', { drill: true }],
];
const synthesized = new Map<string, Templates>();
const templatesOf = (name: string, options: { drill?: boolean }): Templates => {
  if (!synthesized.has(name)) synthesized.set(name, allTemplates(options));
  return synthesized.get(name)!;
};

/** Properties that give a resource a fixed physical name: a second create of the same name fails. */
const NAME_PROPERTIES = [
  'BucketName',
  'BackupVaultName',
  'BackupPlanName',
  'LogGroupName',
  'Name',
  'DBSubnetGroupName',
  'GlobalClusterIdentifier',
  'DBClusterIdentifier',
  'DBInstanceIdentifier',
  'TopicName',
  'FunctionName',
  'RoleName',
  'AliasName',
  'TableName',
  'GroupName',
  'KeyName',
  'ParameterName',
  'SecurityGroupName',
  'ClusterName',
  'ServiceName',
  'LoadBalancerName',
  'RepositoryName',
];

/**
 * A name is fixed unless it is built from another resource's generated name (such as the log group
 * `/aws/lambda/<Ref of a function CloudFormation names>`): a retry then gets a new name, nothing collides.
 */
function isFixed(name: unknown, resources: Record<string, Resource>): boolean {
  const json = JSON.stringify(name);
  return !Object.keys(resources).some(
    (id) => json.includes(`{"Ref":"${id}"}`) || json.includes(`"Fn::GetAtt":["${id}"`),
  );
}

describe.each(variants)('first deploy (%s)', (name, options) => {
  test("no Lambda function reserves concurrency (a new account's quota of 10 refuses any reservation)", () => {
    const offenders: string[] = [];
    for (const [stack, resources] of Object.entries(templatesOf(name, options))) {
      for (const [id, r] of Object.entries(resources)) {
        if (r.Type === 'AWS::Lambda::Function' && r.Properties?.ReservedConcurrentExecutions !== undefined)
          offenders.push(`${stack}/${id}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  test('no resource with a fixed name is plain Retain: a rolled-back first create must not leave it behind', () => {
    const offenders: string[] = [];
    for (const [stack, resources] of Object.entries(templatesOf(name, options))) {
      for (const [id, r] of Object.entries(resources)) {
        const named = NAME_PROPERTIES.filter(
          (p) => r.Properties?.[p] !== undefined && isFixed(r.Properties[p], resources),
        );
        if (named.length > 0 && r.DeletionPolicy === 'Retain')
          offenders.push(`${stack}/${id} (${r.Type}, ${named.join(', ')})`);
      }
    }
    expect(offenders).toEqual([]);
  });

  test('no load balancer is deletion-protected (it is stateless; protection makes a create rollback fail)', () => {
    const offenders: string[] = [];
    for (const [stack, resources] of Object.entries(templatesOf(name, options))) {
      for (const [id, r] of Object.entries(resources)) {
        if (r.Type !== 'AWS::ElasticLoadBalancingV2::LoadBalancer') continue;
        const attributes = (r.Properties?.LoadBalancerAttributes ?? []) as { Key: string; Value: string }[];
        if (attributes.some((a) => a.Key === 'deletion_protection.enabled' && a.Value === 'true'))
          offenders.push(`${stack}/${id}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  test('no Aurora cluster or global cluster is created deletion-protected (a custom resource protects it once it exists)', () => {
    const offenders: string[] = [];
    for (const [stack, resources] of Object.entries(templatesOf(name, options))) {
      for (const [id, r] of Object.entries(resources)) {
        if (
          (r.Type === 'AWS::RDS::DBCluster' || r.Type === 'AWS::RDS::GlobalCluster') &&
          r.Properties?.DeletionProtection === true
        )
          offenders.push(`${stack}/${id}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
