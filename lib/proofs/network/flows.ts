import { CfnResource, StackTemplate } from '../../report/model';
import { isObject, props, refTarget, resolveCrossStack, resourcesOfType } from '../../report/templates';
import { Client, evaluatePath, Server, Verdict } from './reachability';
import { clusterPort, idList, joinParts, Listener, LoadBalancer, NetworkTopology, readTopology } from './topology';

export type PathStatus = 'PASS' | 'FAIL' | 'N/A';

/** One row of the path table: one declared flow between two concrete ends in one stack. */
export interface PathResult {
  readonly stack: string;
  /** The declared flow, e.g. `smoke check -> test listener`. */
  readonly flow: string;
  readonly from: string;
  readonly to: string;
  readonly port?: number;
  readonly status: PathStatus;
  readonly via: readonly string[];
  /** For FAIL: each rule, route or resource to add; for N/A: why the flow does not apply. */
  readonly needs: readonly string[];
}

/** What the declared flows read: every stack of the assembly, each with its network. */
export interface FlowContext {
  readonly stack: StackTemplate;
  readonly topology: NetworkTopology;
  readonly stacks: readonly StackTemplate[];
}

/** One end-to-end flow the running system needs, found in a stack's template. */
interface FlowInstance {
  readonly from: string;
  readonly to: string;
  readonly port?: number;
  readonly client?: Client;
  readonly server?: Server;
  /** Checks of the flow itself (the listener it targets exists, ...), beyond the network path. */
  readonly problems?: readonly string[];
  readonly notApplicable?: string;
}

/** A declared flow: how to find its instances in a template, and when a stack must have at least one. */
interface DeclaredFlow {
  readonly name: string;
  readonly find: (context: FlowContext) => FlowInstance[];
  /** When the stack must contain the flow; the message says what is missing. @default never required */
  readonly requiredWhen?: (context: FlowContext) => string | undefined;
}

/**
 * The traffic the deployed system needs, declared once. Each entry derives its concrete ends from the templates, so
 * a new VPC Lambda, listener or database is checked without editing this list.
 */
export const DECLARED_FLOWS: readonly DeclaredFlow[] = [
  {
    name: 'smoke check -> test listener',
    find: smokeCheckFlows,
    requiredWhen: ({ stack }) =>
      resourcesOfType(stack, 'AWS::ECS::Service').some(([, s]) =>
        JSON.stringify(props(s).DeploymentController ?? {}).includes('CODE_DEPLOY'),
      )
        ? 'a CodeDeploy blue/green service with no AfterAllowTestTraffic smoke-check hook calling its test listener'
        : undefined,
  },
  {
    name: 'canary -> production listener',
    find: canaryFlows,
    requiredWhen: ({ stack, topology }) =>
      stack.standbyFor === undefined && topology.loadBalancers.size > 0
        ? 'no canary Lambda calls a listener of this environment'
        : undefined,
  },
  {
    name: 'load balancer -> service tasks',
    find: loadBalancerToTaskFlows,
    requiredWhen: ({ topology }) =>
      topology.services.some((s) => s.targets.length > 0)
        ? 'a service behind a load balancer no listener forwards to'
        : undefined,
  },
  {
    name: 'tasks -> database',
    find: taskToDatabaseFlows,
    requiredWhen: ({ stack }) =>
      resourcesOfType(stack, 'AWS::RDS::DBCluster').length > 0 ? 'a database no service reaches' : undefined,
  },
  {
    name: 'standby tasks -> DR database',
    find: standbyToDrDatabaseFlows,
    requiredWhen: ({ stack }) => (stack.standbyFor !== undefined ? 'a standby stack without its service' : undefined),
  },
  { name: 'rotation Lambda -> database', find: rotationFlows },
  { name: 'VPC Lambda -> AWS API', find: vpcLambdaApiFlows },
  { name: 'Route 53 health checkers -> load balancer', find: healthCheckFlows },
];

/** Evaluate every declared flow on every stack given (environment stacks; the pipeline has no VPC). */
export function checkNetworkPaths(stacks: readonly StackTemplate[]): PathResult[] {
  const results: PathResult[] = [];
  for (const stack of stacks) {
    const context: FlowContext = { stack, topology: readTopology(stack), stacks };
    for (const flow of DECLARED_FLOWS) {
      const instances = flow.find(context);
      const missing = flow.requiredWhen?.(context);
      if (instances.length === 0 && missing) {
        results.push({
          stack: stack.stackId,
          flow: flow.name,
          from: '-',
          to: '-',
          status: 'FAIL',
          via: [],
          needs: [`declared flow not found: ${missing}`],
        });
      }
      for (const instance of instances) results.push(evaluateInstance(context, flow.name, instance));
    }
  }
  return results;
}

function evaluateInstance(context: FlowContext, flow: string, instance: FlowInstance): PathResult {
  const base = { stack: context.stack.stackId, flow, from: instance.from, to: instance.to, port: instance.port };
  if (instance.notApplicable) return { ...base, status: 'N/A', via: [], needs: [instance.notApplicable] };
  const verdict: Verdict =
    instance.client && instance.server && instance.port !== undefined
      ? evaluatePath(context.topology, instance.client, instance.server, instance.port)
      : { pass: false, via: [], needs: [] };
  const needs = [...(instance.problems ?? []), ...verdict.needs];
  if (!instance.client || !instance.server || instance.port === undefined)
    needs.push(`${instance.from} -> ${instance.to}: an end or the port could not be resolved from the template`);
  return { ...base, status: needs.length === 0 ? 'PASS' : 'FAIL', via: verdict.via, needs };
}

// ---- The ends of each flow, read from the template -------------------------------------------------------------

function lambdaLabel(stack: StackTemplate, id: string): string {
  const name = props(stack.resources[id]).FunctionName;
  return typeof name === 'string' ? `${id} (${name})` : id;
}

/** A Lambda as a client: its VPC interfaces, or, outside any VPC, Lambda's own public addresses. */
function lambdaClient(stack: StackTemplate, id: string): Client {
  const vpcConfig = props(stack.resources[id]).VpcConfig;
  const label = lambdaLabel(stack, id);
  if (isObject(vpcConfig) && idList(vpcConfig.SubnetIds).length > 0) {
    return {
      kind: 'interface',
      label,
      subnets: idList(vpcConfig.SubnetIds),
      securityGroups: idList(vpcConfig.SecurityGroupIds),
      publicIp: false,
    };
  }
  // A function not connected to a VPC runs in a Lambda-owned network with internet access
  // (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html): its requests arrive from public addresses
  // that no template names, so only a rule open to 0.0.0.0/0 is proven to admit them.
  return { kind: 'internet', label: `${label} (outside any VPC)` };
}

interface LoadBalancerUrl {
  readonly scheme: 'http' | 'https';
  readonly loadBalancer: LoadBalancer;
  readonly port: number;
}

/**
 * A URL in a Lambda's environment that names a load balancer of this stack: `Fn::Join` of `http(s)://`, the load
 * balancer's `DNSName` and `:port`, or a literal URL whose host is an alias record to it.
 */
function loadBalancerUrl(context: FlowContext, value: unknown): LoadBalancerUrl | undefined {
  const parts = typeof value === 'string' ? [value] : joinParts(value);
  if (!parts) return undefined;
  const lbIndex = parts.findIndex((part) => isLoadBalancerDnsName(context, part));
  if (lbIndex >= 0) {
    const before = parts
      .slice(0, lbIndex)
      .map((p) => (typeof p === 'string' ? p : ''))
      .join('');
    const after = parts
      .slice(lbIndex + 1)
      .map((p) => (typeof p === 'string' ? p : ''))
      .join('');
    const scheme = /^(https?):\/\/(dualstack\.)?$/.exec(before)?.[1] as 'http' | 'https' | undefined;
    const lb = context.topology.loadBalancers.get(refTarget(parts[lbIndex])!);
    if (!scheme || !lb) return undefined;
    return { scheme, loadBalancer: lb, port: portOf(scheme, after) };
  }
  const literal = typeof value === 'string' ? /^(https?):\/\/([^/:]+)(.*)$/.exec(value) : null;
  if (!literal) return undefined;
  const lb = aliasTarget(context, literal[2]);
  return lb
    ? {
        scheme: literal[1] as 'http' | 'https',
        loadBalancer: lb,
        port: portOf(literal[1] as 'http' | 'https', literal[3]),
      }
    : undefined;
}

function portOf(scheme: 'http' | 'https', rest: string): number {
  const explicit = /^:(\d+)/.exec(rest);
  return explicit ? Number(explicit[1]) : scheme === 'https' ? 443 : 80;
}

function isLoadBalancerDnsName(context: FlowContext, value: unknown): boolean {
  const target = refTarget(value);
  return !!target && context.topology.loadBalancers.has(target) && JSON.stringify(value).includes('DNSName');
}

/**
 * The load balancer of this stack that a Route 53 record named `host` points at: an alias to it, or a
 * CNAME whose one value is its DNS name (the live failover pair, whose TTL the app sets).
 */
function aliasTarget(context: FlowContext, host: string): LoadBalancer | undefined {
  const wanted = host.endsWith('.') ? host : `${host}.`;
  for (const [, record] of resourcesOfType(context.stack, 'AWS::Route53::RecordSet')) {
    const p = props(record);
    if (p.Name !== wanted) continue;
    const cname = p.Type === 'CNAME' && Array.isArray(p.ResourceRecords) && p.ResourceRecords.length === 1;
    if (!isObject(p.AliasTarget) && !cname) continue;
    const dnsName = isObject(p.AliasTarget) ? p.AliasTarget.DNSName : (p.ResourceRecords as unknown[])[0];
    const parts = joinParts(dnsName) ?? [dnsName];
    const lb = parts.map((part) => refTarget(part)).find((id) => id && context.topology.loadBalancers.has(id));
    if (lb) return context.topology.loadBalancers.get(lb);
  }
  return undefined;
}

function listenerAt(context: FlowContext, lb: LoadBalancer, port: number): Listener | undefined {
  return [...context.topology.listeners.values()].find((l) => l.loadBalancer === lb.id && l.port === port);
}

/** Listener ids of a CodeDeploy ECS deployment group's production or test traffic route. */
function deploymentRouteListeners(stack: StackTemplate, route: 'ProdTrafficRoute' | 'TestTrafficRoute'): Set<string> {
  const out = new Set<string>();
  for (const [, group] of resourcesOfType(stack, 'AWS::CodeDeploy::DeploymentGroup')) {
    const info = props(group).LoadBalancerInfo;
    const pairs = isObject(info) && Array.isArray(info.TargetGroupPairInfoList) ? info.TargetGroupPairInfoList : [];
    for (const pair of pairs) {
      const listeners = isObject(pair) && isObject(pair[route]) ? pair[route].ListenerArns : undefined;
      for (const id of idList(listeners)) out.add(id);
    }
  }
  return out;
}

/** Lambdas named as CodeDeploy lifecycle hooks (`...Hook` properties of the deployment custom resource). */
function hookFunctions(stack: StackTemplate): Set<string> {
  const out = new Set<string>();
  for (const resource of Object.values(stack.resources)) {
    if (!resource.Type.startsWith('Custom::')) continue;
    for (const [key, value] of Object.entries(props(resource))) {
      const target = refTarget(value);
      if (key.endsWith('Hook') && target && stack.resources[target]?.Type === 'AWS::Lambda::Function') out.add(target);
    }
  }
  return out;
}

function urlVariables(context: FlowContext, functionId: string): LoadBalancerUrl[] {
  const env = props(context.stack.resources[functionId]).Environment;
  const variables = isObject(env) && isObject(env.Variables) ? Object.values(env.Variables) : [];
  return variables.map((v) => loadBalancerUrl(context, v)).filter((u): u is LoadBalancerUrl => !!u);
}

/**
 * A probe (smoke check or canary) calling a listener: the listener must exist, speak the URL's scheme and be the one
 * the probe is for.
 */
function probeFlow(
  context: FlowContext,
  functionId: string,
  url: LoadBalancerUrl,
  expected: Set<string>,
  role: string,
): FlowInstance {
  const listener = listenerAt(context, url.loadBalancer, url.port);
  const problems: string[] = [];
  if (!listener) problems.push(`load balancer ${url.loadBalancer.id} has no listener on port ${url.port}`);
  else if (listener.protocol && listener.protocol.toLowerCase() !== url.scheme) {
    problems.push(
      `listener ${listener.id} on port ${url.port} speaks ${listener.protocol}, ` +
        `but ${functionId} calls ${url.scheme}://`,
    );
  } else if (expected.size > 0 && !expected.has(listener.id)) {
    problems.push(
      `${functionId} calls listener ${listener.id} on port ${url.port}, not the ${role} (${[...expected].join(', ')})`,
    );
  }
  return {
    from: lambdaLabel(context.stack, functionId),
    to: `${listener?.id ?? url.loadBalancer.id}:${url.port}`,
    port: url.port,
    client: lambdaClient(context.stack, functionId),
    server: { kind: 'load-balancer', loadBalancer: url.loadBalancer },
    problems,
  };
}

function smokeCheckFlows(context: FlowContext): FlowInstance[] {
  const testListeners = deploymentRouteListeners(context.stack, 'TestTrafficRoute');
  return [...hookFunctions(context.stack)].flatMap((id) => {
    const urls = urlVariables(context, id);
    if (urls.length === 0)
      return [
        {
          from: lambdaLabel(context.stack, id),
          to: '-',
          problems: [`hook ${id} has no URL of a load balancer of this stack in its environment`],
        },
      ];
    return urls.map((url) => probeFlow(context, id, url, testListeners, 'test listener'));
  });
}

function canaryFlows(context: FlowContext): FlowInstance[] {
  const hooks = hookFunctions(context.stack);
  const prodListeners = deploymentRouteListeners(context.stack, 'ProdTrafficRoute');
  return resourcesOfType(context.stack, 'AWS::Lambda::Function')
    .filter(([id]) => !hooks.has(id))
    .flatMap(([id]) =>
      urlVariables(context, id).map((url) => probeFlow(context, id, url, prodListeners, 'production listener')),
    );
}

function loadBalancerToTaskFlows(context: FlowContext): FlowInstance[] {
  const seen = new Set<string>();
  const out: FlowInstance[] = [];
  for (const listener of context.topology.listeners.values()) {
    const lb = listener.loadBalancer ? context.topology.loadBalancers.get(listener.loadBalancer) : undefined;
    if (!lb) continue;
    for (const service of context.topology.services) {
      for (const target of service.targets.filter((t) => listener.targetGroups.includes(t.targetGroup))) {
        const key = `${lb.id}|${service.id}|${target.containerPort}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({
          from: lb.id,
          to: `${service.id}:${target.containerPort ?? '?'}`,
          port: target.containerPort,
          client: {
            kind: 'interface',
            label: `load balancer ${lb.id}`,
            subnets: lb.subnets,
            securityGroups: lb.securityGroups,
            publicIp: false,
          },
          server: {
            kind: 'interface',
            label: `${service.id} tasks`,
            subnets: service.subnets,
            securityGroups: service.securityGroups,
          },
        });
      }
    }
  }
  return out;
}

function taskClient(service: NetworkTopology['services'][number]): Client {
  return {
    kind: 'interface',
    label: `${service.id} tasks`,
    subnets: service.subnets,
    securityGroups: service.securityGroups,
    publicIp: service.assignPublicIp,
  };
}

function databaseServer(stack: StackTemplate, clusterId: string): { server: Server; port?: number } {
  const p = props(stack.resources[clusterId]);
  const subnetGroup = refTarget(p.DBSubnetGroupName);
  const subnets = subnetGroup ? idList(props(stack.resources[subnetGroup]).SubnetIds) : [];
  return {
    server: {
      kind: 'interface',
      label: `database ${clusterId}`,
      subnets,
      securityGroups: idList(p.VpcSecurityGroupIds),
    },
    port: clusterPort(p),
  };
}

function taskToDatabaseFlows(context: FlowContext): FlowInstance[] {
  return resourcesOfType(context.stack, 'AWS::RDS::DBCluster').flatMap(([clusterId]) => {
    const { server, port } = databaseServer(context.stack, clusterId);
    return context.topology.services.map((service) => ({
      from: `${service.id} tasks`,
      to: `${clusterId}:${port ?? '?'}`,
      port,
      client: taskClient(service),
      server,
    }));
  });
}

/**
 * The DR database lives in this stack's network but is created by another stack (Prod's
 * `Custom::AuroraGlobalSecondary`, whose subnet group and security groups are this stack's outputs).
 */
function standbyToDrDatabaseFlows(context: FlowContext): FlowInstance[] {
  if (context.stack.standbyFor === undefined) return [];
  const secondaries: { owner: string; id: string; resource: CfnResource }[] = [];
  for (const other of context.stacks) {
    for (const [id, resource] of Object.entries(other.resources)) {
      if (resource.Type !== 'Custom::AuroraGlobalSecondary') continue;
      if (resolveCrossStack(props(resource).DBSubnetGroupName, context.stacks)?.stack === context.stack)
        secondaries.push({ owner: other.stackId, id, resource });
    }
  }
  if (secondaries.length === 0) {
    return context.topology.services.map((service) => ({
      from: `${service.id} tasks`,
      to: 'DR database',
      notApplicable:
        'no DR database is declared in the templates (pilot light: npm run ops -- dr-restore creates it at failover)',
    }));
  }
  return secondaries.flatMap(({ owner, id, resource }) => {
    const p = props(resource);
    const subnetGroup = resolveCrossStack(p.DBSubnetGroupName, context.stacks)!.logicalId;
    const groups = (Array.isArray(p.VpcSecurityGroupIds) ? p.VpcSecurityGroupIds : [p.VpcSecurityGroupIds])
      .map((g) => resolveCrossStack(g, context.stacks))
      .filter((g) => g?.stack === context.stack)
      .map((g) => g!.logicalId);
    const port = clusterPort(p);
    const server: Server = {
      kind: 'interface',
      label: `DR database ${owner}/${id}`,
      subnets: idList(props(context.stack.resources[subnetGroup]).SubnetIds),
      securityGroups: groups,
    };
    return context.topology.services.map((service) => ({
      from: `${service.id} tasks`,
      to: `${owner}/${id}:${port ?? '?'}`,
      port,
      client: taskClient(service),
      server,
    }));
  });
}

/** The database a rotation schedule's secret is attached to (AWS::SecretsManager::SecretTargetAttachment). */
function rotatedCluster(stack: StackTemplate, secretId: unknown): string | undefined {
  const ref = refTarget(secretId);
  if (!ref) return undefined;
  const attachments = resourcesOfType(stack, 'AWS::SecretsManager::SecretTargetAttachment');
  const attachment =
    stack.resources[ref]?.Type === 'AWS::SecretsManager::SecretTargetAttachment'
      ? stack.resources[ref]
      : attachments.find(([, a]) => refTarget(props(a).SecretId) === ref)?.[1];
  const target = attachment ? refTarget(props(attachment).TargetId) : undefined;
  return target && stack.resources[target]?.Type === 'AWS::RDS::DBCluster' ? target : undefined;
}

/** The rotation function of a schedule: a hosted one (its VPC settings on the schedule) or a function of the stack. */
function rotationClient(stack: StackTemplate, scheduleId: string): Client | undefined {
  const p = props(stack.resources[scheduleId]);
  if (isObject(p.HostedRotationLambda)) {
    const hosted = p.HostedRotationLambda;
    const name = typeof hosted.RotationLambdaName === 'string' ? ` (${hosted.RotationLambdaName})` : '';
    const label = `${scheduleId} hosted rotation Lambda${name}`;
    const subnets = idList(hosted.VpcSubnetIds);
    if (subnets.length === 0) return { kind: 'internet', label: `${label} (outside any VPC)` };
    return { kind: 'interface', label, subnets, securityGroups: idList(hosted.VpcSecurityGroupIds), publicIp: false };
  }
  const fn = refTarget(p.RotationLambdaARN);
  return fn && stack.resources[fn]?.Type === 'AWS::Lambda::Function' ? lambdaClient(stack, fn) : undefined;
}

function rotationFlows(context: FlowContext): FlowInstance[] {
  return resourcesOfType(context.stack, 'AWS::SecretsManager::RotationSchedule').flatMap(([id, schedule]) => {
    const cluster = rotatedCluster(context.stack, props(schedule).SecretId);
    if (!cluster) return [];
    const { server, port } = databaseServer(context.stack, cluster);
    const client = rotationClient(context.stack, id);
    return [{ from: client?.label ?? id, to: `${cluster}:${port ?? '?'}`, port, client, server }];
  });
}

/**
 * Actions the Lambda service performs with the execution role on the function's behalf, not calls the function's
 * code sends through its VPC interfaces: creating the interfaces themselves
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html, execution role permissions) and writing the
 * function's logs, which Lambda captures from the runtime
 * (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html;
 * that this does not use the function's interfaces is an assumption AWS does not state).
 */
const CALLED_BY_LAMBDA_SERVICE =
  /^(logs:|ec2:((Create|Delete|Describe|Detach)NetworkInterfaces?|(Assign|Unassign)PrivateIpAddresses)$)/;

/** The endpoint service name of an IAM service prefix where the two differ. */
const ENDPOINT_SERVICE_OF_PREFIX: Record<string, string> = { cloudwatch: 'monitoring', 'execute-api': 'execute-api' };

/** The AWS APIs a function calls, from the actions its execution role allows (statements in the template). */
function apisCalledBy(stack: StackTemplate, functionId: string): string[] {
  const role = refTarget(props(stack.resources[functionId]).Role);
  if (!role) return [];
  const documents: unknown[] = [];
  const roleProps = props(stack.resources[role] ?? { Type: '' });
  for (const policy of Array.isArray(roleProps.Policies) ? roleProps.Policies : [])
    if (isObject(policy)) documents.push(policy.PolicyDocument);
  for (const [, policy] of resourcesOfType(stack, 'AWS::IAM::Policy')) {
    if (idList(props(policy).Roles).includes(role)) documents.push(props(policy).PolicyDocument);
  }
  const services = new Set<string>();
  for (const document of documents) {
    const statements = isObject(document) && Array.isArray(document.Statement) ? document.Statement : [];
    for (const statement of statements) {
      if (!isObject(statement) || statement.Effect !== 'Allow') continue;
      // A KMS grant limited by kms:ViaService is used by that service when it calls KMS for the function.
      if (JSON.stringify(statement.Condition ?? {}).includes('kms:ViaService')) continue;
      const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
      for (const action of actions) {
        if (typeof action !== 'string' || !action.includes(':') || CALLED_BY_LAMBDA_SERVICE.test(action)) continue;
        const prefix = action.split(':')[0].toLowerCase();
        services.add(ENDPOINT_SERVICE_OF_PREFIX[prefix] ?? prefix);
      }
    }
  }
  return [...services].sort();
}

function vpcLambdaApiFlows(context: FlowContext): FlowInstance[] {
  const out: FlowInstance[] = [];
  for (const [id] of resourcesOfType(context.stack, 'AWS::Lambda::Function')) {
    const client = lambdaClient(context.stack, id);
    if (client.kind !== 'interface') continue;
    for (const service of apisCalledBy(context.stack, id))
      out.push({ from: client.label, to: `${service} API`, port: 443, client, server: { kind: 'aws-api', service } });
  }
  // A hosted rotation function's role lives in its own nested stack; it calls Secrets Manager to read and stage the
  // secret
  // (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html).
  for (const [id, schedule] of resourcesOfType(context.stack, 'AWS::SecretsManager::RotationSchedule')) {
    if (!isObject(props(schedule).HostedRotationLambda)) continue;
    const client = rotationClient(context.stack, id);
    if (client?.kind === 'interface')
      out.push({
        from: client.label,
        to: 'secretsmanager API',
        port: 443,
        client,
        server: { kind: 'aws-api', service: 'secretsmanager' },
      });
  }
  return out;
}

/**
 * Route 53 health checkers probe from the ROUTE53_HEALTHCHECKS ranges of ip-ranges.json
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/route-53-ip-addresses.html). Those ranges change and
 * no template holds them, so they are modelled as internet sources: only a rule open to 0.0.0.0/0 is proven to admit
 * them. The port defaults to 80 for HTTP and 443 for HTTPS checks
 * (https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html, Port).
 */
function healthCheckFlows(context: FlowContext): FlowInstance[] {
  const out: FlowInstance[] = [];
  for (const [id, check] of resourcesOfType(context.stack, 'AWS::Route53::HealthCheck')) {
    const config = props(check).HealthCheckConfig;
    if (!isObject(config) || typeof config.Type !== 'string' || !/^(HTTP|HTTPS|TCP)/.test(config.Type)) continue;
    const https = config.Type.startsWith('HTTPS');
    const port = typeof config.Port === 'number' ? config.Port : https ? 443 : 80;
    const fqdn = config.FullyQualifiedDomainName;
    const lb = isLoadBalancerDnsName(context, fqdn)
      ? context.topology.loadBalancers.get(refTarget(fqdn)!)
      : typeof fqdn === 'string'
        ? aliasTarget(context, fqdn)
        : undefined;
    if (!lb) continue;
    const listener = listenerAt(context, lb, port);
    const problems: string[] = [];
    if (!listener) problems.push(`load balancer ${lb.id} has no listener on port ${port} for health check ${id}`);
    else if (config.Type !== 'TCP' && listener.protocol && listener.protocol !== (https ? 'HTTPS' : 'HTTP')) {
      problems.push(
        `health check ${id} is ${config.Type} but listener ${listener.id} on port ${port} speaks ${listener.protocol}`,
      );
    }
    out.push({
      from: `Route 53 health checkers (${id})`,
      to: `${listener?.id ?? lb.id}:${port}`,
      port,
      client: { kind: 'internet', label: 'Route 53 health checkers (ip-ranges.json ROUTE53_HEALTHCHECKS)' },
      server: { kind: 'load-balancer', loadBalancer: lb },
      problems,
    });
  }
  return out;
}
