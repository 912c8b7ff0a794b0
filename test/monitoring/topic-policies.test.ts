import { synthBulwark } from '../helpers/app';

// Who may publish to the alerting topics, read from the synthesized templates of the whole app (issue 12, item 2).
// A topic policy replaces SNS's default one, so each publisher needs an Allow; each is scoped to the account and,
// where the service sets it, to the publishing resource. Expected values are written out by hand.
const bulwark = synthBulwark();

// Template JSON is walked freely below; one loose alias instead of a cast at every step.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Cfn = any;
type Resource = { Type: string; Properties: Cfn };

const STACKS: Record<string, { account: string; region: string; prefix: string }> = {
  Dev: { account: '111111111111', region: 'us-east-1', prefix: 'orders-dev-' },
  Staging: { account: '222222222222', region: 'us-east-1', prefix: 'orders-staging-' },
  Prod: { account: '333333333333', region: 'us-east-1', prefix: 'orders-prod-' },
  DrRegion: { account: '333333333333', region: 'us-west-2', prefix: 'orders-dr-' },
  Pipeline: { account: '444444444444', region: 'us-east-1', prefix: 'orders-pipeline-' },
};
const WORKLOAD_STACKS = ['Dev', 'Staging', 'Prod', 'DrRegion'];

const resourcesOf = (stackId: string): [string, Resource][] =>
  Object.entries(bulwark.assembly.getStackByName(stackId).template.Resources as Record<string, Resource>);
const ofType = (stackId: string, type: string) => resourcesOf(stackId).filter(([, r]) => r.Type === type);
const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A template value as text: the partition is `aws`, other references stay visible as <Ref id> / <id.Attr>. */
function text(value: Cfn): string {
  if (typeof value === 'string') return value;
  if (value?.Ref === 'AWS::Partition') return 'aws';
  if (value?.Ref) return `<Ref ${value.Ref}>`;
  if (value?.['Fn::GetAtt']) return `<${value['Fn::GetAtt'].join('.')}>`;
  if (value?.['Fn::Join']) return (value['Fn::Join'][1] as Cfn[]).map(text).join(value['Fn::Join'][0]);
  throw new Error(`cannot read ${JSON.stringify(value)}`);
}
/** IAM's ArnLike: `*` matches any run of characters, `?` one. */
const escape = (c: string) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&'));
const arnLike = (pattern: string, arn: string) => new RegExp(`^${pattern.split('').map(escape).join('')}$`).test(arn);

const alarmsOf = (stackId: string) => [
  ...ofType(stackId, 'AWS::CloudWatch::Alarm'),
  ...ofType(stackId, 'AWS::CloudWatch::CompositeAlarm'),
];
const topicNamed = (stackId: string, name: string): string => {
  const found = ofType(stackId, 'AWS::SNS::Topic').filter(([, t]) => t.Properties.TopicName === name);
  if (found.length !== 1) throw new Error(`no topic ${name} in ${stackId}`);
  return found[0][0];
};

/** The statements of the topic policies that cover the topic with this logical id. */
const topicStatements = (stackId: string, topicId: string): Cfn[] =>
  ofType(stackId, 'AWS::SNS::TopicPolicy')
    .filter(([, p]) => asList(p.Properties.Topics).some((t: Cfn) => t.Ref === topicId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
const byService = (statements: Cfn[], service: string) =>
  statements.filter((s) => s.Effect === 'Allow' && asList(s.Principal?.Service).includes(service));

/** True when an Allow for `service` lets this source (account, ARN) publish: both conditions present and met. */
function admits(statements: Cfn[], service: string, account: string, sourceArn: string): boolean {
  return byService(statements, service).some((s) => {
    const c = s.Condition ?? {};
    const accountOk = c.StringEquals?.['aws:SourceAccount'] === account;
    const patterns = [...asList(c.ArnLike?.['aws:SourceArn']), ...asList(c.ArnEquals?.['aws:SourceArn'])];
    return accountOk && patterns.map(text).some((p) => arnLike(p, sourceArn));
  });
}

describe('alarms can notify', () => {
  test("every alarm, metric and composite, in every stack carries its environment's name prefix", () => {
    let count = 0;
    for (const stackId of Object.keys(STACKS)) {
      for (const [id, alarm] of alarmsOf(stackId)) {
        const name = alarm.Properties.AlarmName;
        const prefixed = typeof name === 'string' && name.startsWith(STACKS[stackId].prefix);
        expect({ stackId, id, prefixed }).toEqual({ stackId, id, prefixed: true });
        count += 1;
      }
    }
    expect(count).toBeGreaterThan(40);
  });

  test('every topic an alarm notifies (ALARM, OK) lets that alarm publish: CloudWatch, this account, its ARN', () => {
    let checked = 0;
    for (const stackId of WORKLOAD_STACKS) {
      const { account, region } = STACKS[stackId];
      for (const [id, alarm] of alarmsOf(stackId)) {
        const alarmArn = `arn:aws:cloudwatch:${region}:${account}:alarm:${alarm.Properties.AlarmName}`;
        const actions: Cfn[] = [...asList(alarm.Properties.AlarmActions), ...asList(alarm.Properties.OKActions)];
        for (const action of actions) {
          expect(action.Ref).toBeDefined();
          const admitted = admits(topicStatements(stackId, action.Ref), 'cloudwatch.amazonaws.com', account, alarmArn);
          const topic = action.Ref;
          expect({ stackId, id, topic, admitted }).toEqual({ stackId, id, topic, admitted: true });
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  test('the alarm grant on the Prod P1 topic is exactly: this account, alarms named orders-prod-*', () => {
    const statements = topicStatements('Prod', topicNamed('Prod', 'orders-prod-alerts-p1'));
    const [statement] = byService(statements, 'cloudwatch.amazonaws.com');
    expect(statement.Action).toBe('sns:Publish');
    expect(statement.Condition.StringEquals).toEqual({ 'aws:SourceAccount': '333333333333' });
    expect(text(statement.Condition.ArnLike['aws:SourceArn'])).toBe(
      'arn:aws:cloudwatch:us-east-1:333333333333:alarm:orders-prod-*',
    );
    // Another account's alarm with the same name, or another environment's alarm, is not admitted.
    const alarm = (account: string, name: string) => `arn:aws:cloudwatch:us-east-1:${account}:alarm:${name}`;
    const cw = 'cloudwatch.amazonaws.com';
    expect(admits(statements, cw, '333333333333', alarm('333333333333', 'orders-prod-service-down'))).toBe(true);
    expect(admits(statements, cw, '999999999999', alarm('999999999999', 'orders-prod-service-down'))).toBe(false);
    expect(admits(statements, cw, '333333333333', alarm('333333333333', 'orders-staging-service-down'))).toBe(false);
  });

  test("every severity topic of every stack (pipeline included) admits its environment's alarms", () => {
    for (const [stackId, { account, region, prefix }] of Object.entries(STACKS)) {
      const topics = ofType(stackId, 'AWS::SNS::Topic').filter(([, t]) => /-alerts-p\d$/.test(t.Properties.TopicName));
      expect({ stackId, topics: topics.map(([, t]) => t.Properties.TopicName).sort() }).toEqual({
        stackId,
        topics: ['p1', 'p2', 'p3', 'p4'].map((p) => `${prefix}alerts-${p}`),
      });
      for (const [topicId] of topics) {
        const anAlarm = `arn:aws:cloudwatch:${region}:${account}:alarm:${prefix}x`;
        expect(admits(topicStatements(stackId, topicId), 'cloudwatch.amazonaws.com', account, anAlarm)).toBe(true);
      }
    }
  });

  test('the kill switch subscribed to P1 may be invoked by SNS for that topic only', () => {
    const p1Id = topicNamed('Prod', 'orders-prod-alerts-p1');
    const [[functionId]] = ofType('Prod', 'AWS::Lambda::Function').filter(
      ([, f]) => f.Properties.FunctionName === 'orders-prod-kill-switch',
    );
    const invokeFromP1 = ofType('Prod', 'AWS::Lambda::Permission').filter(
      ([, p]) =>
        p.Properties.Principal === 'sns.amazonaws.com' &&
        p.Properties.SourceArn?.Ref === p1Id &&
        p.Properties.FunctionName?.['Fn::GetAtt']?.[0] === functionId,
    );
    expect(invokeFromP1).toHaveLength(1);
    expect(invokeFromP1[0][1].Properties.Action).toBe('lambda:InvokeFunction');
    const subscriptions = ofType('Prod', 'AWS::SNS::Subscription').filter(
      ([, s]) => s.Properties.TopicArn?.Ref === p1Id && s.Properties.Protocol === 'lambda',
    );
    expect(subscriptions.map(([, s]) => s.Properties.Endpoint['Fn::GetAtt'][0])).toEqual([functionId]);
  });
});

describe('other publishers are scoped to this account and their own resources', () => {
  test('every EventBridge rule that targets a topic is admitted by that topic by its own rule ARN', () => {
    let checked = 0;
    for (const stackId of WORKLOAD_STACKS) {
      const { account } = STACKS[stackId];
      const topicIds = new Set(ofType(stackId, 'AWS::SNS::Topic').map(([id]) => id));
      for (const [ruleId, rule] of ofType(stackId, 'AWS::Events::Rule')) {
        for (const target of asList(rule.Properties.Targets) as Cfn[]) {
          if (!topicIds.has(target.Arn?.Ref)) continue;
          expect(target.RoleArn).toBeUndefined();
          const ruleArn = `<${ruleId}.Arn>`;
          const admitted = admits(topicStatements(stackId, target.Arn.Ref), 'events.amazonaws.com', account, ruleArn);
          expect({ stackId, ruleId, admitted }).toEqual({ stackId, ruleId, admitted: true });
          checked += 1;
        }
      }
    }
    // deployment-failed and aws-backup-job-failed in Dev, Staging, Prod and DrRegion.
    expect(checked).toBe(8);
  });

  test('no topic policy anywhere lets an AWS service publish without aws:SourceAccount', () => {
    for (const stackId of Object.keys(STACKS)) {
      for (const [id, policy] of ofType(stackId, 'AWS::SNS::TopicPolicy')) {
        for (const s of policy.Properties.PolicyDocument.Statement as Cfn[]) {
          if (s.Effect !== 'Allow' || !s.Principal?.Service) continue;
          const account = s.Condition?.StringEquals?.['aws:SourceAccount'];
          const service = s.Principal.Service;
          expect({ stackId, id, service, account }).toEqual({ stackId, id, service, account: STACKS[stackId].account });
        }
      }
    }
  });

  test("AWS Budgets may publish to the budget topic for this account's budgets only", () => {
    const statements = topicStatements('Prod', topicNamed('Prod', 'orders-prod-budget'));
    const b = 'budgets.amazonaws.com';
    const budget = 'budget/orders-prod-monthly-cost';
    expect(admits(statements, b, '333333333333', `arn:aws:budgets::333333333333:${budget}`)).toBe(true);
    expect(admits(statements, b, '333333333333', 'arn:aws:budgets::333333333333:action/x')).toBe(false);
    expect(admits(statements, b, '999999999999', `arn:aws:budgets::999999999999:${budget}`)).toBe(false);
  });

  test("the pipeline's failure notifications: this account's CodeStar Notifications rules only", () => {
    const [[ruleId, rule]] = ofType('Pipeline', 'AWS::CodeStarNotifications::NotificationRule');
    const [target] = rule.Properties.Targets as Cfn[];
    expect(target.TargetType).toBe('SNS');
    const statements = topicStatements('Pipeline', target.TargetAddress.Ref);
    const [statement] = byService(statements, 'codestar-notifications.amazonaws.com');
    expect({ ruleId, action: statement.Action, condition: statement.Condition }).toEqual({
      ruleId,
      action: 'sns:Publish',
      condition: { StringEquals: { 'aws:SourceAccount': '444444444444' } },
    });
  });

  test("the topics' keys: CloudWatch under the topic's conditions; EventBridge and CodeStar as AWS documents", () => {
    // SNS forwarding the alarm's aws:SourceArn to KMS is documented for CloudWatch only; a condition KMS never
    // receives would drop every EventBridge/CodeStar notification, so those two keep AWS's unconditioned statement.
    type Expected = (account: string, region: string, prefix: string) => { account?: string; sourceArn?: string };
    const expected: Record<string, Expected> = {
      'cloudwatch.amazonaws.com': (a, r, p) => ({ account: a, sourceArn: `arn:aws:cloudwatch:${r}:${a}:alarm:${p}*` }),
      'events.amazonaws.com': () => ({ account: undefined, sourceArn: undefined }),
      'budgets.amazonaws.com': (a) => ({ account: a, sourceArn: `arn:aws:budgets::${a}:budget/*` }),
      'codestar-notifications.amazonaws.com': () => ({ account: undefined, sourceArn: undefined }),
    };
    const seen = new Set<string>();
    for (const [stackId, { account, region, prefix }] of Object.entries(STACKS)) {
      for (const [keyId, key] of ofType(stackId, 'AWS::KMS::Key')) {
        for (const s of key.Properties.KeyPolicy.Statement as Cfn[]) {
          const services = asList(s.Principal?.Service) as string[];
          for (const service of services.filter((x) => x in expected)) {
            seen.add(service);
            const sourceArn = s.Condition?.ArnLike?.['aws:SourceArn'];
            const actual = {
              account: s.Condition?.StringEquals?.['aws:SourceAccount'],
              sourceArn: sourceArn && text(sourceArn),
            };
            expect({ stackId, keyId, service, ...actual }).toEqual({
              stackId,
              keyId,
              service,
              ...expected[service](account, region, prefix),
            });
          }
        }
      }
    }
    expect([...seen].sort()).toEqual(Object.keys(expected).sort());
  });
});
