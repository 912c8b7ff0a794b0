import { execFile } from 'child_process';
import * as path from 'path';
import { promisify } from 'util';
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { Command } from 'commander';
import { describe as describeOutcome, registerSwitch, runSwitchCommand, settingsFor } from '../../bin/ops/switch';
import { INITIAL_SWITCH_VALUE } from '../../lambdas/kill-switch/settings';
import { MotoServer } from '../helpers/moto';

const ROOT = path.join(__dirname, '..', '..');
const moto = new MotoServer();
// moto takes a 12-digit access key as the account id: the Prod account of the default config.
const credentials = { accessKeyId: '333333333333', secretAccessKey: 'testing' };
beforeAll(() => moto.start(), 30_000);
afterAll(() => moto.stop());
beforeEach(async () => {
  await moto.reset();
  const ssm = new SSMClient({ ...moto.clientConfig(), credentials });
  for (const name of ['features', 'cost', 'deploy-freeze']) {
    await ssm.send(
      new PutParameterCommand({
        Name: `/orders/prod/switches/${name}`,
        Value: JSON.stringify(INITIAL_SWITCH_VALUE),
        Type: 'String',
      }),
    );
  }
  await new SNSClient({ ...moto.clientConfig(), credentials }).send(
    new CreateTopicCommand({ Name: 'orders-prod-alerts-p3' }),
  );
});

async function value(name: string) {
  const out = await new SSMClient({ ...moto.clientConfig(), credentials }).send(
    new GetParameterCommand({ Name: `/orders/prod/switches/${name}` }),
  );
  return JSON.parse(out.Parameter!.Value!);
}

/**
 * `npm run ops -- <args>` (`tsx bin/ops.ts`), as node with tsx's loader: the same program without the npx and tsx
 * launcher processes in front of it.
 */
function opsCommand(args: string[], env: Record<string, string> = {}) {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', 'bin/ops.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
}

/** `ops switch Prod deploy-freeze <state>` through the command registerSwitch adds, on moto's clients; its output. */
async function registeredSwitch(state: string): Promise<string> {
  const config = { ...moto.clientConfig(), credentials };
  const printed: string[] = [];
  const program = registerSwitch(new Command('ops').exitOverride(), {
    clients: () => ({
      ssm: new SSMClient(config),
      ecs: new ECSClient(config),
      autoscaling: new ApplicationAutoScalingClient(config),
      lambda: new LambdaClient(config),
      sns: new SNSClient(config),
    }),
    whoAmI: async () => 'user:in-process',
    print: (line) => printed.push(line),
  });
  await program.parseAsync(['switch', 'Prod', 'deploy-freeze', state, '--reason', 'incident 42'], { from: 'user' });
  return printed.join('\n');
}

describe('npm run ops -- switch', () => {
  test('settings come from the config the stack was built from', () => {
    const { settings, region } = settingsFor('config/bulwark.config.ts', 'Prod');
    expect(region).toBe('us-east-1');
    expect(settings).toMatchObject({
      parameterPrefix: '/orders/prod/switches/',
      budgetName: 'orders-prod-monthly-cost',
      noticeTopicArn: 'arn:aws:sns:us-east-1:333333333333:orders-prod-alerts-p3',
      alarmTriggers: { 'orders-prod-http-5xx-critical': ['features'] },
    });
    expect(() => settingsFor('config/bulwark.config.ts', 'Qa')).toThrow(
      'no environment "Qa" in config/bulwark.config.ts; have Dev, Staging, Prod',
    );
  });

  test('the real command, through AWS_ENDPOINT_URL, turns the deploy freeze on with clear output', async () => {
    const on = await opsCommand(['switch', 'Prod', 'deploy-freeze', 'on', '--reason', 'incident 42'], {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      AWS_MAX_ATTEMPTS: '1',
    });
    expect(on.stdout).toContain('Prod switch "deploy-freeze" (/orders/prod/switches/deploy-freeze): off -> on in');
    expect(on.stdout).toContain('undo with: npm run ops -- switch Prod deploy-freeze off');
    expect(on.stderr).toContain('"message":"kill switch changed"');
    expect(await value('deploy-freeze')).toMatchObject({
      state: 'on',
      reason: 'incident 42',
      // The caller's identity, from STS (moto's) through the command's own clients.
      changedBy: expect.stringMatching(/^user:arn:aws:/),
    });

    // The same command again, and back off, in this process: the switch command bin/ops.ts registers, on moto's
    // clients (the run above covered the process, its endpoint and identity; each run costs about 1.5 s of CPU).
    const auditLines = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(await registeredSwitch('on')).toContain(
      'Prod switch "deploy-freeze" (/orders/prod/switches/deploy-freeze): on -> on: already on, nothing to do',
    );
    expect(await value('deploy-freeze')).toMatchObject({ state: 'on', reason: 'incident 42' });
    expect(await registeredSwitch('off')).toContain(
      'Prod switch "deploy-freeze" (/orders/prod/switches/deploy-freeze): on -> off in',
    );
    expect(await value('deploy-freeze')).toMatchObject({ state: 'off', changedBy: 'user:in-process' });
    expect(auditLines).toHaveBeenCalledWith(expect.stringContaining('"message":"kill switch changed"'));
    auditLines.mockRestore();
  }, 60_000);

  test('an unknown switch or state fails with a message naming the choices', async () => {
    const clients = () => ({}) as never;
    await expect(
      runSwitchCommand(
        { environment: 'Prod', name: 'everything', state: 'on', reason: 'x', changedBy: 'user:t' },
        { clients, print: () => undefined },
      ),
    ).rejects.toThrow(
      'switch "everything" does not exist in Prod; the switches are "features", "cost", "deploy-freeze" (config: killSwitch.switches)',
    );
    await expect(opsCommand(['switch', 'Prod', 'cost', 'maybe'])).rejects.toMatchObject({
      stderr: expect.stringContaining('state must be "on" or "off", not "maybe"'),
    });
  }, 60_000);

  test('output lists each action of a change', () => {
    expect(
      describeOutcome({
        environment: 'Prod',
        switch: 'cost',
        parameter: '/orders/prod/switches/cost',
        from: 'off',
        to: 'on',
        changed: true,
        actions: ['scaled c/s to 0 tasks'],
        durationMs: 12,
        notice: 'sent',
      }),
    ).toBe(
      'Prod switch "cost" (/orders/prod/switches/cost): off -> on in 12 ms\n  - scaled c/s to 0 tasks\n  undo with: npm run ops -- switch Prod cost off --reason "..."',
    );
  });
});
