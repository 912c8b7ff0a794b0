/**
 * Sandbox acceptance, in CDK's own convention (integ-tests-alpha + integ-runner). Offline, `npm test` compares what
 * this app synthesizes with the committed `integ.sandbox.ts.snapshot/`. With sandbox credentials,
 * `npx integ-runner --force --parallel-regions <region>` deploys it, runs the assertions and tears everything down
 * (README, "Sandbox acceptance tests"). Test cases run in this order, one region, one account:
 *
 * 1. Flows: deploy the sandbox environment (nginx), then assert for real that the smoke check passes a CodeDeploy
 *    deployment on the test listener, the kill switch flips and restores, a P1 alarm reaches a subscriber of its
 *    topic, and the backup verifier publishes BackupAgeSeconds. Its stacks stay up for case 2.
 * 2. BadImageUpdate: `cdk deploy` the same CloudFormation stack with an image that fails the smoke check; the
 *    update must fail with the deployment trigger's "CodeDeploy deployment d-... Failed" (expectError).
 * 3. AfterRollback: the stack rolled back, CodeDeploy rolled the release back, nginx serves again; then every
 *    stack of the app is destroyed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AwsApiCall, ExpectedResult, IApiCall, IDeployAssert, IntegTestCase, Match } from '@aws-cdk/integ-tests-alpha';
import {
  App,
  Arn,
  ArnFormat,
  Aspects,
  attachCustomSynthesis,
  CfnElement,
  Duration,
  RemovalPolicy,
  Stack,
} from 'aws-cdk-lib';
import { IntegManifest, Manifest } from 'aws-cdk-lib/cloud-assembly-schema';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TEST_FIRE_REASON_PREFIX } from '../../lambdas/shared/test-fire';
import { DEFAULT_RUNBOOKS_DIR } from '../../lib/app';
import { RunbookCheck } from '../../lib/monitoring/runbook-check';
import { CONTAINER_NAME } from '../../lib/service/blue-green-service';
import { EnvironmentStack } from '../../lib/stacks/environment-stack';
import { BAD_IMAGE, GOOD_IMAGE, sandboxConfig, sandboxTarget, SANDBOX_ENVIRONMENT } from './sandbox-config';

/** `integ-sandbox`: the ECS cluster and service, CodeDeploy application and deployment group all carry it. */
const BASE_NAME = 'integ-sandbox';
/** A P1 alarm of the catalog that goes back to OK by itself (no 5xx is no breach), so it gates nothing for long. */
const P1_ALARM = `${BASE_NAME}-http-5xx-critical`;
const P1_TOPIC = `${BASE_NAME}-alerts-p1`;
const PROBE_QUEUE = `${BASE_NAME}-p1-probe`;
const DEPLOY_FREEZE_PARAMETER = `/integ/sandbox/switches/deploy-freeze`;

// The project's feature flags (cdk.json) override the runner's defaults, so this app synthesizes the constructs
// exactly as `cdk synth` does (postCliContext wins over the context the runner passes).
const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};
const app = new App({ postCliContext: cdkJson.context });
const target = sandboxTarget(process.env);
const env = { account: target.account, region: target.region };
/**
 * Case 2 deploys the very same stack (same construct paths, so the same logical ids) with this context set to
 * `bad`: an update that changes nothing but the image. A second stack object would not do: logical ids that carry
 * construct paths (security group rules, permissions, the database secret) would differ and the update would
 * replace them.
 */
const IMAGE_CONTEXT = 'integ-sandbox:image';
const image = app.node.tryGetContext(IMAGE_CONTEXT) === 'bad' ? BAD_IMAGE : GOOD_IMAGE;

/** The sandbox environment with the P1 probe queue. */
function sandboxStack(scope: Construct): EnvironmentStack {
  const { config, environment } = sandboxConfig(target, image);
  const stack = new EnvironmentStack(scope, { service: config.service, environment });
  addP1Probe(stack);
  return stack;
}

/**
 * An SQS queue subscribed to the P1 topic: the "subscriber" the alarm test reads. The topic is encrypted with its
 * own customer managed key, which SNS uses for the topic at rest; delivery to a subscriber needs the subscriber's
 * encryption to admit SNS. With a customer managed key on the queue, SNS would need kms:GenerateDataKey* and
 * kms:Decrypt in that key's policy ("Enable compatibility between event sources from AWS services and encrypted
 * queues", https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html);
 * SSE-SQS (SQS-owned keys) needs no key policy at all, so the probe uses it. The subscription adds the queue policy
 * that lets sns.amazonaws.com SendMessage with aws:SourceArn = the topic. A body filter lets through only the test
 * alarm, so other P1 notifications of a fresh environment cannot crowd the queue.
 */
function addP1Probe(stack: EnvironmentStack): void {
  const queue = new sqs.Queue(stack, 'IntegP1Probe', {
    queueName: PROBE_QUEUE,
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.hours(1),
    removalPolicy: RemovalPolicy.DESTROY,
  });
  stack.monitoring.topics.topic('P1').addSubscription(
    new subscriptions.SqsSubscription(queue, {
      filterPolicyWithMessageBody: {
        AlarmName: sns.FilterOrPolicy.filter(sns.SubscriptionFilter.stringFilter({ allowlist: [P1_ALARM] })),
      },
    }),
  );
}

/**
 * Test cases in a fixed order, written to `integ.json` as IntegTest does. IntegTest puts only IntegTestCaseStacks
 * into cases of their own, and an EnvironmentStack cannot be one, so the cases are built here with the public
 * IntegTestCase and merged into one manifest (integ-runner runs them in the manifest's key order).
 */
class OrderedIntegTest extends Construct {
  private readonly cases: IntegTestCase[] = [];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    attachCustomSynthesis(this, {
      onSynthesize: (session) => {
        const manifest: IntegManifest = { version: Manifest.version(), testCases: {} };
        for (const testCase of this.cases) Object.assign(manifest.testCases, testCase.manifest.testCases);
        Manifest.saveIntegManifest(manifest, path.join(session.assembly.outdir, 'integ.json'));
      },
    });
  }

  add(testCase: IntegTestCase): IDeployAssert {
    this.cases.push(testCase);
    return testCase.assertions;
  }
}

const suite = new OrderedIntegTest(app, 'SandboxAcceptance');
// The snapshot is synthesized for a placeholder account (sandboxTarget), so the runner cannot deploy it as the
// "before" of an update: every case turns the update workflow off.
const noUpdateWorkflow = { stackUpdateWorkflow: false };

// ---- 1. Flows -------------------------------------------------------------------------------------------------
const sandbox = sandboxStack(app);
const flowsAssertions = new Stack(app, 'SandboxFlowsAssertions', { env });
const flows = suite.add(
  new IntegTestCase(suite, 'Flows', {
    ...noUpdateWorkflow,
    stacks: [sandbox],
    assertionStack: flowsAssertions,
    // The sandbox stays up: case 2 updates it, case 3 destroys everything.
    cdkCommandOptions: { destroy: { enabled: false } },
  }),
);

/** The physical id of a resource of the sandbox stack, read from CloudFormation (no cross-stack reference). */
function physicalId(resource: Construct): string {
  const logicalId = sandbox.resolve(sandbox.getLogicalId(resource.node.defaultChild as CfnElement)) as string;
  return flows
    .awsApiCall(
      'CloudFormation',
      'describeStackResource',
      { StackName: SANDBOX_ENVIRONMENT, LogicalResourceId: logicalId },
      ['StackResourceDetail.PhysicalResourceId'],
    )
    .getAttString('StackResourceDetail.PhysicalResourceId');
}

// (a) The smoke check reaches the test listener. A create serves the first revision without CodeDeploy, so the
// test redeploys the running revision through CodeDeploy with the AppSpec the deployment trigger uses; the
// deployment succeeds only if the AfterAllowTestTraffic hook (the smoke check) reports Succeeded.
const running = flows.awsApiCall('ECS', 'describeServices', { cluster: BASE_NAME, services: [BASE_NAME] }, [
  'services.0.taskDefinition',
]);
const appSpec = JSON.stringify({
  version: 0.0,
  Resources: [
    {
      TargetService: {
        Type: 'AWS::ECS::Service',
        Properties: {
          TaskDefinition: running.getAttString('services.0.taskDefinition'),
          LoadBalancerInfo: { ContainerName: CONTAINER_NAME, ContainerPort: 80 },
        },
      },
    },
  ],
  Hooks: [{ AfterAllowTestTraffic: physicalId(sandbox.service.smokeCheck) }],
});
const redeploy = flows.awsApiCall(
  'CodeDeploy',
  'createDeployment',
  {
    applicationName: BASE_NAME,
    deploymentGroupName: BASE_NAME,
    description: 'integ.sandbox: redeploy the running revision through the smoke check',
    revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec } },
  },
  ['deploymentId'],
);
// CreateDeployment of an AppSpecContent revision also reads the deployment config and registers the revision
// (the deployment trigger's role holds the same three; lib/service/deployment-trigger.ts).
redeploy.provider.addToRolePolicy({
  Effect: 'Allow',
  Action: [
    'codedeploy:GetDeploymentConfig',
    'codedeploy:RegisterApplicationRevision',
    'codedeploy:GetApplicationRevision',
  ],
  Resource: ['*'],
});
const deploymentId = redeploy.getAttString('deploymentId');
const deployed = flows
  .awsApiCall('CodeDeploy', 'getDeployment', { deploymentId }, ['deploymentInfo.status'])
  .expect(ExpectedResult.objectLike({ deploymentInfo: { status: 'Succeeded' } }))
  // Dev-sized: green tasks start, the hook runs, all traffic shifts at once, no bake: minutes, not an hour.
  .waitForAssertions({ totalTimeout: Duration.minutes(30), interval: Duration.seconds(30) });
const targets = flows.awsApiCall('CodeDeploy', 'listDeploymentTargets', { deploymentId }, ['targetIds.0']);
const hookRan = flows
  .awsApiCall('CodeDeploy', 'getDeploymentTarget', { deploymentId, targetId: targets.getAttString('targetIds.0') })
  .expect(
    ExpectedResult.objectLike({
      deploymentTarget: {
        ecsTarget: {
          lifecycleEvents: Match.arrayWith([
            Match.objectLike({ lifecycleEventName: 'AfterAllowTestTraffic', status: 'Succeeded' }),
          ]),
        },
      },
    }),
  );

// (b) The kill switch flips and restores: a P1 alarm notification, shaped as SNS delivers it to Lambda, turns the
// default onAnyP1 switch (deploy-freeze) on; a direct request turns it off again.
const killSwitch = `${BASE_NAME}-kill-switch`;
const p1TopicArn = Arn.format({ service: 'sns', resource: P1_TOPIC }, flowsAssertions);
const alarmNotification = {
  Records: [
    {
      EventSource: 'aws:sns',
      Sns: {
        TopicArn: p1TopicArn,
        Subject: `ALARM: "${P1_ALARM}"`,
        Message: JSON.stringify({ AlarmName: P1_ALARM, NewStateValue: 'ALARM', NewStateReason: 'integ.sandbox' }),
      },
    },
  ],
};
const flip = flows.invokeFunction({ functionName: killSwitch, payload: JSON.stringify(alarmNotification) });
const switchedOn = flows
  .awsApiCall('SSM', 'getParameter', { Name: DEPLOY_FREEZE_PARAMETER })
  .expect(ExpectedResult.objectLike({ Parameter: { Value: Match.stringLikeRegexp('"state":"on"') } }));
const restore = flows.invokeFunction({
  functionName: killSwitch,
  payload: JSON.stringify({
    switch: 'deploy-freeze',
    state: 'off',
    reason: 'integ.sandbox restores',
    changedBy: 'integ',
  }),
});
const switchedOff = flows
  .awsApiCall('SSM', 'getParameter', { Name: DEPLOY_FREEZE_PARAMETER })
  .expect(ExpectedResult.objectLike({ Parameter: { Value: Match.stringLikeRegexp('"state":"off"') } }));

// (c) A P1 alarm set to ALARM reaches a subscriber of its topic. SetAlarmState runs the alarm's actions, and a
// metric alarm returns to its real state within seconds (SetAlarmState,
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html). The reason marks a test
// fire, which the kill switch recognises and ignores (lambdas/shared/test-fire.ts): the switch stays off.
const fire = flows.awsApiCall('CloudWatch', 'setAlarmState', {
  AlarmName: P1_ALARM,
  StateValue: 'ALARM',
  StateReason: `${TEST_FIRE_REASON_PREFIX}: integ.sandbox checks P1 delivery`,
});
const queueUrl = flows
  .awsApiCall('SQS', 'getQueueUrl', { QueueName: PROBE_QUEUE }, ['QueueUrl'])
  .getAttString('QueueUrl');
const delivered = flows
  .awsApiCall('SQS', 'receiveMessage', { QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20 })
  .expect(
    ExpectedResult.objectLike({
      Messages: Match.arrayWith([Match.objectLike({ Body: Match.stringLikeRegexp(P1_ALARM) })]),
    }),
  )
  .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(10) });

// (d) The backup verifier publishes. The database store has a restorable time minutes after the cluster exists,
// so a run publishes at least one datum; ListMetrics shows a new metric within 15 minutes
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_ListMetrics.html).
// The verifier's name is CloudFormation's (<stack name>-<logical id>-<suffix>,
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-name.html), read at deploy
// time; invokeFunction would grant on that read value and close a dependency loop in the assertion stack, so the
// call is a plain Lambda Invoke granted on the sandbox stack's generated function names.
const verify = flows
  .awsApiCall('Lambda', 'invoke', { FunctionName: physicalId(sandbox.backup.verifier.function), Payload: '{}' })
  .expect(ExpectedResult.objectLike({ Payload: Match.stringLikeRegexp('"published":[1-9]') }))
  .waitForAssertions({ totalTimeout: Duration.minutes(20), interval: Duration.minutes(1) }) as AwsApiCall;
const sandboxFunctions = Arn.format(
  {
    service: 'lambda',
    resource: 'function',
    resourceName: `${SANDBOX_ENVIRONMENT}-*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  },
  flowsAssertions,
);
for (const provider of [verify.provider, verify.waiterProvider]) {
  provider?.addToRolePolicy({ Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [sandboxFunctions] });
}
const metricListed = flows
  .awsApiCall('CloudWatch', 'listMetrics', {
    Namespace: 'Bulwark/integ',
    MetricName: 'BackupAgeSeconds',
    Dimensions: [{ Name: 'environment', Value: SANDBOX_ENVIRONMENT }],
  })
  .expect(
    ExpectedResult.objectLike({ Metrics: Match.arrayWith([Match.objectLike({ MetricName: 'BackupAgeSeconds' })]) }),
  )
  .waitForAssertions({ totalTimeout: Duration.minutes(20), interval: Duration.minutes(1) });

// One after another: the deployment first (an alarm in ALARM would stop it), the switch restored before the alarm
// fires, every probe done before case 2 deploys.
running.next(redeploy).next(deployed).next(targets).next(hookRan);
hookRan.next(flip).next(switchedOn).next(restore).next(switchedOff);
switchedOff.next(fire).next(delivered).next(verify).next(metricListed);

/** The sandbox stack's last update failed and CloudFormation rolled it back. */
function expectRolledBack(assertions: IDeployAssert): IApiCall {
  return assertions
    .awsApiCall('CloudFormation', 'describeStacks', { StackName: SANDBOX_ENVIRONMENT }, ['Stacks.0.StackStatus'])
    .expect(
      ExpectedResult.objectLike({
        Stacks: Match.arrayWith([Match.objectLike({ StackStatus: 'UPDATE_ROLLBACK_COMPLETE' })]),
      }),
    );
}

// ---- 2. BadImageUpdate ----------------------------------------------------------------------------------------
// Case 1's stack again, synthesized with the bad image (IMAGE_CONTEXT): an update. The trigger's failure names the
// CodeDeploy deployment; an update that failed for any other reason (or a create) does not match, and one that did
// not fail is caught by the assertion below and by case 3.
const badImageAssertions = suite.add(
  new IntegTestCase(suite, 'BadImageUpdate', {
    ...noUpdateWorkflow,
    stacks: [sandbox],
    assertionStack: new Stack(app, 'SandboxBadImageAssertions', { env }),
    cdkCommandOptions: {
      deploy: {
        args: { context: { [IMAGE_CONTEXT]: 'bad' } },
        expectError: true,
        expectedMessage: 'CodeDeploy deployment d-[A-Z0-9]+ (Failed|Stopped)',
      },
      destroy: { enabled: false },
    },
  }),
);
// Deployed only if the update did NOT fail (the runner deploys assertions after the stacks): then the stack is
// UPDATE_COMPLETE and this fails the case.
expectRolledBack(badImageAssertions);

// ---- 3. AfterRollback -----------------------------------------------------------------------------------------
const rollbackProbe = new Stack(app, 'SandboxRollbackProbe', { env, description: 'integ.sandbox: rollback checks' });
new sqs.Queue(rollbackProbe, 'Marker', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true });
const after = suite.add(
  new IntegTestCase(suite, 'AfterRollback', {
    ...noUpdateWorkflow,
    stacks: [rollbackProbe],
    assertionStack: new Stack(app, 'SandboxAfterRollbackAssertions', { env }),
    // Destroys every stack of the app (the runner destroys with --all): sandbox, probes, assertion stacks.
  }),
);
const stackRolledBack = expectRolledBack(after);
const failedDeployments = after.awsApiCall(
  'CodeDeploy',
  'listDeployments',
  { applicationName: BASE_NAME, deploymentGroupName: BASE_NAME, includeOnlyStatuses: ['Failed', 'Stopped'] },
  ['deployments.0'],
);
const rolledBack = after
  .awsApiCall('CodeDeploy', 'getDeployment', { deploymentId: failedDeployments.getAttString('deployments.0') })
  .expect(
    ExpectedResult.objectLike({
      deploymentInfo: { rollbackInfo: Match.objectLike({ rollbackDeploymentId: Match.stringLikeRegexp('^d-') }) },
    }),
  );
const serving = after.awsApiCall('ECS', 'describeServices', { cluster: BASE_NAME, services: [BASE_NAME] }, [
  'services.0.taskDefinition',
]);
const servesGoodImage = after
  .awsApiCall('ECS', 'describeTaskDefinition', { taskDefinition: serving.getAttString('services.0.taskDefinition') })
  .expect(
    ExpectedResult.objectLike({
      taskDefinition: {
        containerDefinitions: Match.arrayWith([Match.objectLike({ name: CONTAINER_NAME, image: GOOD_IMAGE })]),
      },
    }),
  );
stackRolledBack.next(failedDeployments).next(rolledBack).next(serving).next(servesGoodImage);

// Same checks as `cdk synth` (runbooks); cdk-nag runs on the real app, not here.
const runbookBaseUrl = sandboxConfig(target, image).config.service.runbookBaseUrl;
Aspects.of(app).add(new RunbookCheck({ runbooksDir: DEFAULT_RUNBOOKS_DIR, runbookBaseUrl }));
app.synth();
