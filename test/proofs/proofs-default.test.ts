import { failed, formatProofs, runProofs } from '../../bin/proofs/run';
import { CfnTemplate, StackTemplate } from '../../bin/proofs/templates';
import { synthTemplates } from './synth';

// One synth for the whole file; every test gets its own copy of the templates.
const templates = synthTemplates();

/**
 * A fresh copy of the named stacks only, for a test that plants a defect in one of them: the proofs over the whole
 * app take about 1 s of CPU, over Prod and DrRegion about 0.3 s, over Pipeline 0.15 s. Prod is judged with DrRegion,
 * whose outputs it reads (Fn::GetStackOutput): without it those ARNs stay unresolved and show as ARN findings.
 * The first test proves the whole app, and checks that each subset used here proves clean before any defect.
 */
const PROD_WITH_DR = ['Prod', 'DrRegion'];
const PIPELINE_ALONE = ['Pipeline'];
function templatesOf(stackIds: readonly string[]): StackTemplate[] {
  return templates().filter((s) => stackIds.includes(s.stackId));
}

function stack(stacks: StackTemplate[], id: string): StackTemplate {
  const found = stacks.find((s) => s.stackId === id);
  if (!found) throw new Error(`no stack ${id}`);
  return found;
}

function resources(s: StackTemplate): NonNullable<CfnTemplate['Resources']> {
  return s.template.Resources as NonNullable<CfnTemplate['Resources']>;
}

/** Logical id of the resource of a type whose property equals a value. */
function idWhere(s: StackTemplate, type: string, property: string, value: unknown): string {
  const found = Object.entries(resources(s)).find(
    ([, r]) => r.Type === type && JSON.stringify(r.Properties?.[property]) === JSON.stringify(value),
  );
  if (!found) throw new Error(`no ${type} with ${property}=${JSON.stringify(value)} in ${s.stackId}`);
  return found[0];
}

function topicPolicyOf(s: StackTemplate, topicName: string): { Statement: unknown[] } {
  const topicId = idWhere(s, 'AWS::SNS::Topic', 'TopicName', topicName);
  const policy = Object.values(resources(s)).find(
    (r) =>
      r.Type === 'AWS::SNS::TopicPolicy' && JSON.stringify(r.Properties?.Topics) === JSON.stringify([{ Ref: topicId }]),
  );
  if (!policy) throw new Error(`no topic policy for ${topicName}`);
  return policy.Properties!.PolicyDocument as { Statement: unknown[] };
}

const tlsDenyOnly = (topicId: string): unknown[] => [
  {
    Sid: 'AllowPublishThroughSSLOnly',
    Effect: 'Deny',
    Principal: '*',
    Action: 'sns:Publish',
    Resource: { Ref: topicId },
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  },
];

const P1_TOPIC = 'arn:aws:sns:us-east-1:333333333333:orders-prod-alerts-p1';

describe('permission flows and ARN shapes of the default config', () => {
  test('every flow is ALLOW and no ARN has a shape its action or service never takes', async () => {
    const result = await runProofs(templates());
    // The table is the message when this fails: it names each DENY's caller, action, resource and missing statement.
    expect(failed(result) ? formatProofs(result) : '').toBe('');
    // Rows come from the templates: every Prod alarm that notifies P1 is a row, as is the kill switch's subscription.
    expect(result.flows.length).toBeGreaterThan(300);
    expect(
      result.flows.some(
        (f) =>
          f.flow.caller.kind === 'service' &&
          f.flow.caller.principal === 'sns.amazonaws.com' &&
          f.flow.resource === 'arn:aws:lambda:us-east-1:333333333333:function:orders-prod-kill-switch',
      ),
    ).toBe(true);
    // The subsets the defect tests below plant into prove clean too, so a DENY or finding there is the defect's.
    for (const subset of [PROD_WITH_DR, PIPELINE_ALONE]) {
      const clean = await runProofs(templatesOf(subset));
      expect(failed(clean) ? formatProofs(clean) : '').toBe('');
      expect(clean.flows.length).toBeGreaterThan(50);
    }
  });

  test('a topic policy holding only the TLS Deny makes CloudWatch publishing to it DENY, naming the topic and its policy', async () => {
    const stacks = templatesOf(PROD_WITH_DR);
    const prod = stack(stacks, 'Prod');
    const topicId = idWhere(prod, 'AWS::SNS::Topic', 'TopicName', 'orders-prod-alerts-p1');
    topicPolicyOf(prod, 'orders-prod-alerts-p1').Statement = tlsDenyOnly(topicId);
    const result = await runProofs(stacks);
    const denied = result.flows.filter(
      (f) => f.verdict === 'DENY' && f.flow.action === 'sns:Publish' && f.flow.resource === P1_TOPIC,
    );
    expect(denied.length).toBeGreaterThan(0);
    expect(denied[0].reason).toContain(
      'cloudwatch.amazonaws.com -> sns:Publish -> arn:aws:sns:us-east-1:333333333333:orders-prod-alerts-p1',
    );
    expect(denied[0].reason).toMatch(/Prod\/MonitoringTopicsP1Policy\w+ has no Allow for cloudwatch\.amazonaws\.com/);
  });

  test("the same topic is ALLOW once its policy admits CloudWatch for this account's alarms", async () => {
    const stacks = templatesOf(PROD_WITH_DR);
    const prod = stack(stacks, 'Prod');
    const topicId = idWhere(prod, 'AWS::SNS::Topic', 'TopicName', 'orders-prod-alerts-p1');
    topicPolicyOf(prod, 'orders-prod-alerts-p1').Statement = [
      ...tlsDenyOnly(topicId),
      {
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: topicId },
        Condition: {
          StringEquals: { 'aws:SourceAccount': '333333333333' },
          ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:us-east-1:333333333333:alarm:orders-prod-*' },
        },
      },
    ];
    const result = await runProofs(stacks);
    const rows = result.flows.filter(
      (f) =>
        f.flow.caller.kind === 'service' &&
        f.flow.caller.principal === 'cloudwatch.amazonaws.com' &&
        f.flow.action === 'sns:Publish' &&
        f.flow.resource === P1_TOPIC,
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.verdict)).toEqual(rows.map(() => 'ALLOW'));
  });

  test('codestar-connections:UseConnection on a codeconnections ARN is an ARN finding', async () => {
    const stacks = templatesOf(PIPELINE_ALONE);
    const pipeline = stack(stacks, 'Pipeline');
    const roleId = Object.keys(resources(pipeline)).find(
      (id) =>
        id.startsWith('DeliveryPipelineSourceCheckoutCodePipelineActionRole') &&
        resources(pipeline)[id].Type === 'AWS::IAM::Role',
    )!;
    resources(pipeline).PlantedConnectionPolicy = {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyName: 'planted',
        Roles: [{ Ref: roleId }],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'codestar-connections:UseConnection',
              Resource:
                'arn:aws:codeconnections:us-east-1:444444444444:connection/11111111-2222-3333-4444-555555555555',
            },
          ],
        },
      },
    };
    const result = await runProofs(stacks);
    const planted = result.arnFindings.filter((f) => f.policy === 'Pipeline/PlantedConnectionPolicy');
    expect(planted.map((f) => f.message)).toContain(
      'Resource arn:aws:codeconnections:us-east-1:444444444444:connection/11111111-2222-3333-4444-555555555555 matches no resource type of codestar-connections:UseConnection ' +
        '(expected arn:${Partition}:codestar-connections:${Region}:${Account}:connection/${ConnectionId})',
    );
  });

  test('a CodeDeploy deployment config ARN with "/" instead of ":" is an ARN finding', async () => {
    const stacks = templatesOf(PROD_WITH_DR);
    const prod = stack(stacks, 'Prod');
    const roleId = Object.keys(resources(prod)).find(
      (id) => id.startsWith('ServiceDeploymentTriggerStartRole') && resources(prod)[id].Type === 'AWS::IAM::Role',
    )!;
    resources(prod).PlantedDeployPolicy = {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyName: 'planted',
        Roles: [{ Ref: roleId }],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'codedeploy:GetDeploymentConfig',
              Resource: 'arn:aws:codedeploy:us-east-1:333333333333:deploymentconfig/orders-canary',
            },
          ],
        },
      },
    };
    const result = await runProofs(stacks);
    const messages = result.arnFindings.filter((f) => f.policy === 'Prod/PlantedDeployPolicy').map((f) => f.message);
    expect(messages).toContain(
      'Resource arn:aws:codedeploy:us-east-1:333333333333:deploymentconfig/orders-canary matches no resource type of codedeploy:GetDeploymentConfig ' +
        '(expected arn:${Partition}:codedeploy:${Region}:${Account}:deploymentconfig:${DeploymentConfigurationName})',
    );
  });

  test('a role missing the statement its handler needs makes that flow DENY, naming the role, action and resource', async () => {
    const stacks = templatesOf(PROD_WITH_DR);
    const prod = stack(stacks, 'Prod');
    const fnId = idWhere(prod, 'AWS::Lambda::Function', 'FunctionName', 'orders-prod-kill-switch');
    const roleId = (resources(prod)[fnId].Properties!.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    for (const r of Object.values(resources(prod))) {
      if (r.Type !== 'AWS::IAM::Policy' || JSON.stringify(r.Properties?.Roles) !== JSON.stringify([{ Ref: roleId }]))
        continue;
      const doc = r.Properties!.PolicyDocument as { Statement: { Action: string | string[] }[] };
      doc.Statement = doc.Statement.filter((s) => ![s.Action].flat().includes('sns:Publish'));
    }
    const result = await runProofs(stacks);
    const denied = result.flows.find(
      (f) =>
        f.verdict === 'DENY' &&
        f.flow.action === 'sns:Publish' &&
        f.flow.caller.kind === 'role' &&
        f.flow.caller.role.logicalId === roleId,
    );
    expect(denied?.reason).toBe(
      `Prod/${roleId} -> sns:Publish -> arn:aws:sns:us-east-1:333333333333:orders-prod-alerts-p3: ` +
        `no identity statement of Prod/${roleId} allows sns:Publish on arn:aws:sns:us-east-1:333333333333:orders-prod-alerts-p3`,
    );
  });
});
