import { Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { validateConfig } from '../../config';
import { ControlTowerRule, acknowledgeControlTower, controlTowerChecks } from '../../lib/common/control-tower';
import { logRetentionDays } from '../../lib/common/protection';
import { Validations } from 'aws-cdk-lib';
import { defaultConfigInput, testApp } from '../helpers/app';

/** A small stack with the plugin on: synth throws ValidationFailed naming every unacknowledged rule. */
function plantedApp(plant: (stack: Stack) => void) {
  const app = testApp();
  plant(new Stack(app, 'Planted', { env: { account: '111111111111', region: 'us-east-1' } }));
  Validations.of(app).addPlugins(controlTowerChecks());
  return app;
}

/** The ValidationFailed report synth throws, or '' when it passes. */
function synthFailure(app: ReturnType<typeof testApp>): string {
  try {
    app.synth();
    return '';
  } catch (error) {
    return String(error);
  }
}

describe('AWS Control Tower proactive controls (cfn-guard plugin)', () => {
  test('fail synth on a container that runs as root with a writable root filesystem, naming both rules', () => {
    const app = plantedApp((stack) => {
      const task = new ecs.FargateTaskDefinition(stack, 'Task', { cpu: 256, memoryLimitMiB: 512 });
      task.addContainer('App', {
        image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:1.27'),
        memoryLimitMiB: 512,
      });
    });
    const message = synthFailure(app);
    expect(message).toMatch(/ecs_task_definition_nonroot_user_check/);
    expect(message).toMatch(/ecs_containers_readonly_access_check/);
  });

  test('an acknowledgement clears exactly its rule: a short-lived log group still fails on encryption', () => {
    const app = plantedApp((stack) => {
      const logGroup = new logs.LogGroup(stack, 'Logs', { retention: logs.RetentionDays.ONE_MONTH });
      acknowledgeControlTower(logGroup, {
        rule: ControlTowerRule.LOG_GROUP_RETENTION,
        reason: 'Test fixture: a scratch log group.',
      });
    });
    const message = synthFailure(app);
    expect(message).toMatch(/cloudwatch_log_group_encrypted_check/);
    expect(message).not.toMatch(/CT\.CLOUDWATCH\.PR\.2/);
  });

  test('the same container as non-root with a read-only root filesystem and a memory limit meets the ECS rules', () => {
    const app = plantedApp((stack) => {
      const task = new ecs.FargateTaskDefinition(stack, 'Task', { cpu: 256, memoryLimitMiB: 512 });
      task.addContainer('App', {
        image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:1.27'),
        user: '1000:1000',
        readonlyRootFilesystem: true,
        memoryLimitMiB: 512,
      });
    });
    // Still fails on its missing log configuration (CT.ECS.PR.5), which this fixture leaves out on purpose.
    const message = synthFailure(app);
    expect(message).toMatch(/ecs_task_definition_log_configuration_check/);
    expect(message).not.toMatch(
      /ecs_task_definition_nonroot_user_check|ecs_containers_readonly_access_check|ecs_task_definition_memory_hard_limit_check/,
    );
  });
});

describe('log retention where data is retained', () => {
  test('is at least a year; elsewhere as configured', () => {
    expect(logRetentionDays({ retain: true }, 30)).toBe(365);
    expect(logRetentionDays({ retain: true }, 731)).toBe(731);
    expect(logRetentionDays({ retain: false }, 30)).toBe(30);
  });
});

describe('service.runAsUser', () => {
  test('defaults to an unprivileged user and a read-only root filesystem', () => {
    const config = validateConfig(defaultConfigInput());
    expect(config.service.runAsUser).toBe('1000:1000');
    expect(config.service.readonlyRootFilesystem).toBe(true);
  });

  test.each(['root', '0', '0:0', 'root:root'])('refuses root (%s), naming the field', (user) => {
    const input = defaultConfigInput();
    (input.service as { runAsUser?: string }).runAsUser = user;
    expect(() => validateConfig(input)).toThrow(/runAsUser[\s\S]*must not be root/);
  });
});
