import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { validateConfig } from '../../config';
import { CfnResource, StackTemplate } from '../../lib/report/model';
import { READINESS_CHECKS } from '../../lib/report/readiness/checks';
import { EnvironmentReadiness, ReadinessReport } from '../../lib/report/readiness/model';
import { assessReadiness, readinessFailure, runbookReader } from '../../lib/report/readiness/score';
import { runReport } from '../../lib/report/run';
import { readCloudAssembly } from '../../lib/report/templates';
import { defaultConfig, defaultConfigInput, synthBulwark } from '../helpers/app';

/**
 * The readiness score on the shared synthesized app (one synth per jest run), and planted defects: each edits a deep
 * copy of the templates (no second synth) and must fail exactly the check it breaks.
 */
const cdkOut = synthBulwark().assembly.directory;
const config = defaultConfig();
const run = runReport({
  cdkOut,
  configPath: 'config/bulwark.config.ts',
  config,
  outDir: fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-readiness-')),
});
const { stacks } = readCloudAssembly(cdkOut);
const readRunbook = runbookReader();

type Mutable = Record<string, CfnResource & { Properties: Record<string, unknown>; DeletionPolicy?: string }>;

/** The readiness of a deep copy of the templates after `plant` edits it (the resilience figures stay the default's). */
function planted(plant: (stack: (id: string) => Mutable) => void, runbook = readRunbook): ReadinessReport {
  const copy = structuredClone(stacks) as StackTemplate[];
  plant((id) => copy.find((s) => s.stackId === id)!.resources as Mutable);
  return assessReadiness({
    config,
    stacks: copy,
    resilience: run.report.environments,
    parity: run.report.parity!,
    runbook,
  });
}

const prodOf = (report: ReadinessReport) => report.environments.find((e) => e.environment === 'Prod')!;
const failed = (env: EnvironmentReadiness) =>
  env.checks.filter((c) => c.status === 'fail').map((c) => ({ id: c.id, resources: c.resources }));
/** The logical id of the only resource of a type in a template (a planted defect names it). */
const onlyOf = (resources: Mutable, type: string) => {
  const ids = Object.keys(resources).filter((id) => resources[id].Type === type);
  expect(ids).toHaveLength(1);
  return ids[0];
};

describe('readiness of the default config', () => {
  const readiness = run.report.readiness!;

  test('scores Dev, Staging and Prod, all 100.00/100 and GO at the default threshold 90', () => {
    expect(readiness.threshold).toBe(90);
    expect(readiness.environments.map((e) => [e.environment, e.score, e.verdict, e.gates])).toEqual([
      ['Dev', 100, 'go', false],
      ['Staging', 100, 'go', false],
      ['Prod', 100, 'go', true],
    ]);
    for (const env of readiness.environments) expect(failed(env)).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.text).toContain('Readiness Prod: 100.00/100, GO');
  });

  test('runs at least 40 checks in the eight categories; Prod answers all 72, Dev 52 and Staging 54', () => {
    // monitoring 10 + runbooks 6 + deployment 8 + backup 12 + DR 9 + security 10 + cost 6 + operations 11 = 72.
    expect(READINESS_CHECKS).toHaveLength(72);
    const applicable = (env: EnvironmentReadiness) => env.checks.filter((c) => c.status !== 'not-applicable');
    const [dev, staging, prod] = readiness.environments;
    expect(applicable(prod)).toHaveLength(72);
    // Dev (tier 3, no dr, no certificate, data not retained) skips 20: the P1 pager, the DR runbooks, gradual
    // traffic, 3 retention checks, the 9 DR checks, HTTPS and TLS, spare capacity, the entry condition, parity.
    expect(applicable(dev)).toHaveLength(72 - 20);
    // Staging (tier 2) also shifts gradually and keeps two tasks: 18 skipped.
    expect(applicable(staging)).toHaveLength(72 - 18);
    expect(prod.categories.map((c) => [c.category, c.passed])).toEqual([
      ['monitoring and alerting', 10],
      ['runbooks', 6],
      ['deployment safety', 8],
      ['backup and restore', 12],
      ['disaster recovery', 9],
      ['security', 10],
      ['cost controls', 6],
      ['operations', 11],
    ]);
  });

  test('every check names what it judged: passed checks list resources (or files) and say why', () => {
    const prod = prodOf(readiness);
    for (const check of prod.checks) {
      expect({ id: check.id, judged: check.resources.length > 0, why: check.why.length > 0 }).toEqual({
        id: check.id,
        judged: true,
        why: true,
      });
    }
    expect(prod.checks.find((c) => c.id === 'backup/stores-backed-up')!.resources).toEqual([
      'Prod.template.json#DatabaseCluster5B53A178',
      'Prod.template.json#IncidentsTable7D5FD327',
    ]);
  });
});

describe("the pipeline's ApproveProd", () => {
  test("links this execution's report and asks the approver to read Prod's readiness and the parity", () => {
    const pipelineStack = stacks.find((s) => s.stackId === 'Pipeline')!;
    const [, pipeline] = Object.entries(pipelineStack.resources).find(
      ([, r]) => r.Type === 'AWS::CodePipeline::Pipeline',
    )!;
    const stages = pipeline.Properties!.Stages as {
      Name: string;
      Actions: { Configuration: Record<string, unknown> }[];
    }[];
    const approval = stages.find((s) => s.Name === 'ApproveProd')!.Actions[0].Configuration;
    expect(approval.CustomData).toBe(
      'Promote this change to Prod (tier 1). Read the resilience report of this execution first: ' +
        'reports/<execution id>/resilience-report.html (link below; also the Report artifact of the Validate ' +
        'stage), its targets, the Readiness score and go/no-go of Prod, and the environment Parity.',
    );
    expect(JSON.stringify(approval.ExternalEntityLink)).toContain(
      'prefix=reports/#{codepipeline.PipelineExecutionId}/',
    );
    const gate = prodOf(run.report.readiness!).checks.find((c) => c.id === 'operations/pipeline-gates')!;
    expect(gate).toMatchObject({ status: 'pass', resources: ['Pipeline.template.json (stage ApproveProd)'] });
  });
});

describe('a planted defect fails exactly its check', () => {
  test('a runbook without its Diagnosis section', () => {
    const report = planted(
      () => undefined,
      (id) =>
        id === 'http-5xx-rate' ? readRunbook(id)!.replace(/^## Diagnosis\n[\s\S]*?(?=^## )/m, '') : readRunbook(id),
    );
    const prod = prodOf(report);
    expect(failed(prod)).toEqual([
      { id: 'runbooks/linked-runbooks-complete', resources: ['runbooks/http-5xx-rate.md'] },
    ]);
    expect(prod.checks.find((c) => c.id === 'runbooks/linked-runbooks-complete')!.why).toContain(
      'section "## Diagnosis"',
    );
  });

  test('the incidents table without its backup tag', () => {
    const prod = prodOf(
      planted((stack) => {
        const table = stack('Prod').IncidentsTable7D5FD327.Properties;
        table.Tags = (table.Tags as { Key: string }[]).filter((t) => t.Key !== 'backup');
      }),
    );
    expect(failed(prod)).toEqual([
      { id: 'backup/stores-backed-up', resources: ['Prod.template.json#IncidentsTable7D5FD327'] },
    ]);
  });

  test('an alarm without actions', () => {
    const prod = prodOf(
      planted((stack) => {
        delete stack('Prod').AlarmsLatencyP95AlarmE58BA634.Properties.AlarmActions;
      }),
    );
    expect(failed(prod)).toEqual([
      { id: 'monitoring/alarm-actions', resources: ['Prod.template.json#AlarmsLatencyP95AlarmE58BA634'] },
    ]);
  });

  test('a listener on plain HTTP in Prod: security loses 3 of 19, the score 3 of 155', () => {
    const prod = prodOf(
      planted((stack) => {
        const listener = stack('Prod').ServiceLoadBalancerHttpsListener26581618.Properties;
        listener.Protocol = 'HTTP';
        listener.Port = 80;
        delete listener.Certificates;
        delete listener.SslPolicy;
      }),
    );
    expect(failed(prod)).toEqual([
      { id: 'security/https-listeners', resources: ['Prod.template.json#ServiceLoadBalancerHttpsListener26581618'] },
    ]);
    // Weights (checks.ts): security 3+2+3+2+1+1+2+1+2+2 = 19; all categories 20+13+18+28+24+19+11+22 = 155.
    // 16 / 19 = 84.21 %; 152 / 155 = 98.06 %: still a go at 90.
    expect(prod.categories.find((c) => c.category === 'security')!.score).toBe(84.21);
    expect(prod.score).toBe(98.06);
    expect(prod.verdict).toBe('go');
  });

  test('a database cluster no alarm watches (its CPU, connections and storage alarms removed)', () => {
    const prod = prodOf(
      planted((stack) => {
        const resources = stack('Prod');
        delete resources.AlarmsDbConnectionsHighAlarm78CB3CA9;
        delete resources.AlarmsDbCpuHighAlarm528F977A;
        delete resources.AlarmsDbLocalStorageLowAlarm1F6FFE35;
      }),
    );
    expect(failed(prod)).toEqual([
      { id: 'backup/databases-alarmed', resources: ['Prod.template.json#DatabaseCluster5B53A178'] },
    ]);
  });

  test('a database keeping 7 days of point-in-time recovery in tier 1', () => {
    const prod = prodOf(
      planted((stack) => {
        stack('Prod').DatabaseCluster5B53A178.Properties.BackupRetentionPeriod = 7;
      }),
    );
    expect(failed(prod)).toEqual([
      { id: 'backup/pitr-window', resources: ['Prod.template.json#DatabaseCluster5B53A178'] },
    ]);
  });

  test('a database cluster deleted with its stack', () => {
    const prod = prodOf(
      planted((stack) => {
        stack('Prod').DatabaseCluster5B53A178.DeletionPolicy = 'Delete';
      }),
    );
    expect(failed(prod)).toEqual([
      { id: 'backup/retained-on-delete', resources: ['Prod.template.json#DatabaseCluster5B53A178'] },
    ]);
  });

  test('a backup rule that copies nothing to the DR region', () => {
    const prod = prodOf(
      planted((stack) => {
        const resources = stack('Prod');
        const plan = resources[onlyOf(resources, 'AWS::Backup::BackupPlan')].Properties.BackupPlan as {
          BackupPlanRule: { RuleName: string; CopyActions?: unknown }[];
        };
        delete plan.BackupPlanRule.find((r) => r.RuleName === 'Weekly')!.CopyActions;
      }),
    );
    expect(failed(prod)).toEqual([
      { id: 'dr/backups-copied', resources: ['Prod.template.json#BackupPlan02187D99 (Weekly)'] },
    ]);
  });

  test('a VPC without flow logs', () => {
    const prod = prodOf(
      planted((stack) => {
        const resources = stack('Prod');
        delete resources[onlyOf(resources, 'AWS::EC2::FlowLog')];
      }),
    );
    expect(failed(prod)).toEqual([{ id: 'security/flow-logs', resources: ['Prod.template.json#NetworkVpc7FB7348F'] }]);
  });

  test('a canary that no longer walks my-account', () => {
    const prod = prodOf(
      planted((stack) => {
        const variables = (
          stack('Prod').CanaryFunction7B473602.Properties.Environment as {
            Variables: { JOURNEYS: string };
          }
        ).Variables;
        variables.JOURNEYS = JSON.stringify(
          (JSON.parse(variables.JOURNEYS) as { name: string }[]).filter((j) => j.name !== 'my-account'),
        );
      }),
    );
    expect(failed(prod)).toEqual([
      { id: 'operations/canary-covers-journeys', resources: ['Prod.template.json#CanaryFunction7B473602'] },
    ]);
    expect(prod.checks.find((c) => c.id === 'operations/canary-covers-journeys')!.why).toBe(
      'journeys not walked: my-account',
    );
  });

  test('a pipeline that deploys Prod without the manual approval', () => {
    const prod = prodOf(
      planted((stack) => {
        const resources = stack('Pipeline');
        const pipeline = resources[onlyOf(resources, 'AWS::CodePipeline::Pipeline')].Properties;
        pipeline.Stages = (pipeline.Stages as { Name: string }[]).filter((s) => s.Name !== 'ApproveProd');
      }),
    );
    expect(failed(prod)).toEqual([
      { id: 'operations/pipeline-gates', resources: ['Pipeline.template.json (stage Prod)'] },
    ]);
  });

  test('a budget without its forecast notification', () => {
    const prod = prodOf(
      planted((stack) => {
        const resources = stack('Prod');
        const budget = resources[onlyOf(resources, 'AWS::Budgets::Budget')].Properties;
        budget.NotificationsWithSubscribers = (
          budget.NotificationsWithSubscribers as { Notification: { NotificationType: string } }[]
        ).filter((n) => n.Notification.NotificationType !== 'FORECASTED');
      }),
    );
    expect(failed(prod).map((f) => f.id)).toEqual(['cost/budget']);
  });

  test('a DR plan without a trigger', () => {
    const prod = prodOf(
      planted((stack) => {
        const resources = stack('DrRegion');
        delete resources[onlyOf(resources, 'AWS::ARCRegionSwitch::Plan')].Properties.Triggers;
      }),
    );
    expect(failed(prod).map((f) => f.id)).toEqual(['dr/region-switch-plan']);
  });

  test('a deployment group that does not roll back on alarm', () => {
    const prod = prodOf(
      planted((stack) => {
        const rollback = stack('Prod').ServiceDeploymentGroupE338BE38.Properties.AutoRollbackConfiguration as {
          Events: string[];
        };
        rollback.Events = rollback.Events.filter((e) => e !== 'DEPLOYMENT_STOP_ON_ALARM');
      }),
    );
    expect(failed(prod)).toEqual([
      { id: 'deployment/auto-rollback', resources: ['Prod.template.json#ServiceDeploymentGroupE338BE38'] },
    ]);
  });
});

describe('go / no-go', () => {
  test('Prod below operations.readinessThreshold is a no-go that names the threshold and the failed checks', () => {
    const input = defaultConfigInput();
    const strict = validateConfig({ ...input, operations: { ...input.operations, readinessThreshold: 99 } });
    const copy = structuredClone(stacks) as StackTemplate[];
    const prodStack = copy.find((s) => s.stackId === 'Prod')!.resources as Mutable;
    prodStack.ServiceLoadBalancerHttpsListener26581618.Properties.Protocol = 'HTTP';
    const report = assessReadiness({
      config: strict,
      stacks: copy,
      resilience: run.report.environments,
      parity: run.report.parity!,
    });
    // 152 / 155 = 98.06 < 99.
    expect(prodOf(report)).toMatchObject({ score: 98.06, threshold: 99, verdict: 'no-go' });
    expect(readinessFailure(report)).toBe(
      'Prod: readiness 98.06/100 is below operations.readinessThreshold 99: NO-GO; fix security/https-listeners',
    );
  });

  test('npm run report exits 1 on a cdk.out whose Prod is a no-go, and says so', () => {
    // A copy of the assembly's templates and manifest (no assets: the report reads neither) with the planted listener.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-readiness-nogo-'));
    for (const file of fs.readdirSync(cdkOut).filter((f) => f.endsWith('.json')))
      fs.copyFileSync(path.join(cdkOut, file), path.join(dir, file));
    const prodFile = path.join(dir, 'Prod.template.json');
    const template = JSON.parse(fs.readFileSync(prodFile, 'utf8')) as { Resources: Mutable };
    template.Resources.ServiceLoadBalancerHttpsListener26581618.Properties.Protocol = 'HTTP';
    fs.writeFileSync(prodFile, JSON.stringify(template));
    const input = defaultConfigInput();
    const result = runReport({
      cdkOut: dir,
      configPath: 'strict.config.ts',
      config: validateConfig({ ...input, operations: { ...input.operations, readinessThreshold: 99 } }),
      outDir: path.join(dir, 'reports'),
    });
    expect(result.report.misses).toEqual([]);
    expect(result.exitCode).toBe(1);
    expect(result.text).toContain(
      'NO-GO Prod: readiness 98.06/100 is below operations.readinessThreshold 99: NO-GO; fix security/https-listeners',
    );
    const markdown = fs.readFileSync(result.files.markdown, 'utf8');
    expect(markdown).toContain('### Prod readiness: 98.06/100, NO-GO (threshold 99)');
    expect(markdown).toContain('| Prod | 98.06/100 | **NO-GO** | security/https-listeners |');
    const json = JSON.parse(fs.readFileSync(result.files.json, 'utf8')) as { readiness: ReadinessReport };
    expect(prodOf(json.readiness).verdict).toBe('no-go');
  });
});

describe('operations.readinessThreshold in the config', () => {
  test('defaults to 90 and is refused outside 0..100, naming the field', () => {
    expect(config.operations.readinessThreshold).toBe(90);
    const input = defaultConfigInput();
    for (const [value, shown] of [
      [120, '120'],
      [-1, '-1'],
    ] as const) {
      expect(() => validateConfig({ ...input, operations: { readinessThreshold: value } })).toThrow(
        `operations.readinessThreshold ${shown}: must be from 0 to 100: the readiness score is out of 100 (default 90)`,
      );
    }
    expect(() => validateConfig({ ...input, operations: { readinessThreshold: 'high' } })).toThrow(
      'operations.readinessThreshold "high": must be a number from 0 to 100',
    );
  });
});
