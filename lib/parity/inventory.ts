/** A resource as the synthesized template holds it (only what parity reads). */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}
type CfnResource = TemplateResource;

/** The capabilities parity compares, one inventory each. */
export const CAPABILITIES = ['resources', 'alarms', 'backup', 'switches', 'journeys', 'network'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** One thing an environment has, under a key that is the same in every environment that has it. */
export interface InventoryItem {
  readonly capability: Capability;
  /** Environment-neutral: `Service/LoadBalancer/HttpsListener/Resource AWS::ElasticLoadBalancingV2::Listener`. */
  readonly key: string;
  /** How many the environment has (resources at that path, NAT gateways, probes walking a journey). */
  readonly count: number;
  /** The construct path (environment-neutral) that explains the item, for items that are not resources. */
  readonly path?: string;
  /** What to name in a message: a logical id, an alarm name, a parameter name. */
  readonly names: readonly string[];
}

/** What parity needs of an environment's template: its stack id and the names its resources are given. */
export interface InventorySource {
  readonly environment: string;
  readonly resources: Readonly<Record<string, TemplateResource>>;
  /** `orders-dev-`: the prefix of the environment's alarm names (alarmNamePrefix). */
  readonly alarmPrefix: string;
  /** `/orders/dev/switches/`: the prefix of the environment's switch parameters. */
  readonly switchPrefix: string;
}

/**
 * The construct path without the stack and with the environment's name taken out of generated ids:
 * `Dev/Incidents/AlarmRule/AllowEventRuleDevIncidentsFunction8E2A2A93` becomes
 * `Incidents/AlarmRule/AllowEventRule<env>IncidentsFunction#` (the 8 hex digits are a hash of the full path,
 * so they differ per environment even when nothing else does).
 */
export function neutralPath(cdkPath: string, environment: string): string {
  const withoutStack = cdkPath.startsWith(`${environment}/`) ? cdkPath.slice(environment.length + 1) : cdkPath;
  const generated = new RegExp(`${escape(environment)}([A-Za-z0-9]*?)[0-9A-F]{8}(?![0-9A-Za-z])`, 'g');
  return withoutStack.replace(generated, '<env>$1#');
}

/** Every capability's items for one environment, read from its synthesized template only. */
export function inventory(source: InventorySource): InventoryItem[] {
  const items: InventoryItem[] = [];
  const add = (item: InventoryItem) => items.push(item);
  const byKey = new Map<string, { count: number; names: string[] }>();
  const pathOf = new Map<string, string>();

  for (const [logicalId, resource] of Object.entries(source.resources)) {
    const cdkPath = resource.Metadata?.['aws:cdk:path'];
    const path = typeof cdkPath === 'string' ? neutralPath(cdkPath, source.environment) : `(no path) ${logicalId}`;
    pathOf.set(logicalId, path);
    const key = `${path} ${resource.Type}`;
    const entry = byKey.get(key) ?? { count: 0, names: [] };
    entry.count += 1;
    entry.names.push(logicalId);
    byKey.set(key, entry);
  }
  for (const [key, { count, names }] of byKey) add({ capability: 'resources', key, count, names });

  for (const [logicalId, resource] of Object.entries(source.resources)) {
    const path = pathOf.get(logicalId)!;
    const properties = resource.Properties ?? {};
    if (resource.Type === 'AWS::CloudWatch::Alarm' || resource.Type === 'AWS::CloudWatch::CompositeAlarm') {
      const name = typeof properties.AlarmName === 'string' ? properties.AlarmName : logicalId;
      const id = name.startsWith(source.alarmPrefix) ? name.slice(source.alarmPrefix.length) : name;
      add({ capability: 'alarms', key: `alarm ${id}`, count: 1, path, names: [name] });
    }
    if (resource.Type === 'AWS::Backup::BackupPlan') items.push(...backupItems(resource, path));
    if (resource.Type === 'AWS::SSM::Parameter' && typeof properties.Name === 'string') {
      if (properties.Name.startsWith(source.switchPrefix)) {
        const name = properties.Name.slice(source.switchPrefix.length);
        add({ capability: 'switches', key: `switch ${name}`, count: 1, path, names: [properties.Name] });
      }
    }
    if (resource.Type === 'AWS::Lambda::Function') items.push(...journeyItems(resource, path, logicalId));
  }
  items.push(...networkItems(source.resources));
  return merge(items);
}

function backupItems(plan: CfnResource, path: string): InventoryItem[] {
  const rules = ((plan.Properties?.BackupPlan as { BackupPlanRule?: unknown[] } | undefined)?.BackupPlanRule ?? []) as {
    RuleName?: string;
    EnableContinuousBackup?: boolean;
    CopyActions?: unknown[];
  }[];
  return rules.flatMap((rule) => {
    const name = rule.RuleName ?? '(unnamed)';
    const item = (key: string): InventoryItem => ({
      capability: 'backup',
      key,
      count: 1,
      path,
      names: [`${path} ${name}`],
    });
    return [
      item(`backup rule ${name}`),
      ...(rule.EnableContinuousBackup ? [item(`backup rule ${name} continuous`)] : []),
      ...((rule.CopyActions ?? []).length > 0 ? [item(`backup rule ${name} copies to another region`)] : []),
    ];
  });
}

interface JourneyShape {
  readonly name: string;
  readonly method?: string;
  readonly path: string;
  readonly expectStatus?: number;
  readonly authenticated?: boolean;
}

/** The journeys a probe function walks (its JOURNEYS variable), keyed by what the probe checks. */
function journeyItems(fn: CfnResource, path: string, logicalId: string): InventoryItem[] {
  const variables = (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
  if (typeof variables?.JOURNEYS !== 'string') return [];
  const journeys = JSON.parse(variables.JOURNEYS) as JourneyShape[];
  return journeys.map((j) => ({
    capability: 'journeys',
    key:
      `${path} walks ${j.name}: ${j.method ?? 'GET'} ${j.path} -> ${j.expectStatus ?? 200}` +
      `${j.authenticated ? ' (authenticated)' : ''}`,
    count: 1,
    path,
    names: [logicalId],
  }));
}

/** The network's shape: subnets per tier, NAT gateways, endpoints by service (the region taken out). */
function networkItems(resources: Readonly<Record<string, CfnResource>>): InventoryItem[] {
  const items: InventoryItem[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    const properties = resource.Properties ?? {};
    if (resource.Type === 'AWS::EC2::Subnet') {
      const tags = (properties.Tags ?? []) as { Key: string; Value: unknown }[];
      const tier = tags.find((t) => t.Key === 'aws-cdk:subnet-name')?.Value ?? 'untagged';
      items.push({ capability: 'network', key: `subnets in tier ${String(tier)}`, count: 1, names: [logicalId] });
    }
    if (resource.Type === 'AWS::EC2::NatGateway') {
      items.push({ capability: 'network', key: 'NAT gateways', count: 1, names: [logicalId] });
    }
    if (resource.Type === 'AWS::EC2::VPCEndpoint') {
      const key = `endpoint ${endpointService(properties.ServiceName)}`;
      items.push({ capability: 'network', key, count: 1, names: [logicalId] });
    }
  }
  return items;
}

/** `com.amazonaws.us-east-1.ecr.api` and `Fn::Join [com.amazonaws., Ref AWS::Region, .s3]` read as `ecr.api`, `s3`. */
function endpointService(serviceName: unknown): string {
  if (typeof serviceName === 'string') return serviceName.replace(/^com\.amazonaws\.[a-z0-9-]+\./, '');
  const join = (serviceName as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join'];
  const last = join?.[1][join[1].length - 1];
  return typeof last === 'string' ? last.replace(/^\./, '') : JSON.stringify(serviceName);
}

/** Items with the same capability and key add up (three subnets in a tier are one item of count 3). */
function merge(items: InventoryItem[]): InventoryItem[] {
  const merged = new Map<string, InventoryItem>();
  for (const item of items) {
    const id = `${item.capability}\u0000${item.key}`;
    const seen = merged.get(id);
    merged.set(id, seen ? { ...seen, count: seen.count + item.count, names: [...seen.names, ...item.names] } : item);
  }
  return [...merged.values()];
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
