import { EnvironmentConfig } from '../../config';
import { InventoryItem } from './inventory';

/**
 * What the config says an environment should have of an item: present or absent (`true` / `false`), or an exact
 * count. The setting is named in the report so a reader can check it.
 */
export interface Explanation {
  /** The config field that decides it, e.g. `vpc.natGateways`. */
  readonly setting: string;
  readonly expect: (env: EnvironmentConfig) => boolean | number;
}

type Rule = (item: InventoryItem) => Explanation | undefined;

const subnet = /^Network\/Vpc\/(public|private|data)Subnet(\d+)\/(\S+)/;

/**
 * The differences the config asks for, one rule per setting. A rule recognises an item by its environment-neutral
 * construct path (or key) and says, from each environment's config alone, whether that environment has it. Any
 * difference no rule predicts exactly is unexplained. Settings that only change property values (sizes, tier,
 * retention days, thresholds, traffic percentages) change no path or key, so they never show up as differences.
 */
const RULES: readonly Rule[] = [
  // NAT gateways and their Elastic IPs live in the first natGateways public subnets.
  (item) => {
    const match = subnet.exec(pathOf(item));
    if (!match || match[1] !== 'public' || !/^(EIP|NATGateway)$/.test(match[3])) return undefined;
    const index = Number(match[2]);
    return { setting: 'vpc.natGateways', expect: (env) => env.vpc.natGateways >= index };
  },
  // One subnet of each tier per availability zone.
  (item) => {
    const match = subnet.exec(pathOf(item));
    if (!match) return undefined;
    const index = Number(match[2]);
    return { setting: 'availabilityZones', expect: (env) => env.availabilityZones.length >= index };
  },
  (item) =>
    item.capability === 'network' && item.key === 'NAT gateways'
      ? { setting: 'vpc.natGateways', expect: (env) => env.vpc.natGateways }
      : undefined,
  (item) =>
    item.capability === 'network' && item.key.startsWith('subnets in tier ')
      ? { setting: 'availabilityZones', expect: (env) => env.availabilityZones.length }
      : undefined,
  (item) => {
    const match = /^endpoint (\S+)$/.exec(item.key);
    if (item.capability !== 'network' || !match || match[1] === 's3') return undefined;
    const service = match[1];
    return {
      setting: 'vpc.interfaceEndpoints',
      expect: (env) => (env.vpc.interfaceEndpoints as string[]).includes(service),
    };
  },
  // HTTPS with a certificate: an HTTPS listener and a redirect instead of the plain HTTP listener; the
  // authenticated journeys are only walked over HTTPS (lib/canary/probe-journeys.ts).
  (item) =>
    /^Service\/LoadBalancer\/(HttpsListener|HttpRedirect)\//.test(pathOf(item))
      ? { setting: 'service.certificateArn', expect: (env) => env.service.certificateArn !== undefined }
      : undefined,
  (item) =>
    /^Service\/LoadBalancer\/HttpListener\//.test(pathOf(item))
      ? { setting: 'service.certificateArn', expect: (env) => env.service.certificateArn === undefined }
      : undefined,
  (item) =>
    item.capability === 'journeys' && item.key.endsWith(' (authenticated)')
      ? { setting: 'service.certificateArn', expect: (env) => env.service.certificateArn !== undefined }
      : undefined,
  (item) => {
    const match = /^Database\/Cluster\/Reader(\d+)\//.exec(pathOf(item));
    if (!match) return undefined;
    const index = Number(match[1]);
    return { setting: 'database.readers', expect: (env) => env.database.readers >= index };
  },
  // The DR block: the global database (and the cluster parameter group that bounds its lag, rds.global_db_rpo),
  // the failover records and their alarms, the replication and backup copies to the DR region.
  (item) =>
    /^(GlobalDatabase|Failover|DrRegionReferences)\//.test(pathOf(item)) ||
    /^(Backup\/Archive\/ReplicationRole|Database\/Cluster\/ParameterGroup)\//.test(pathOf(item)) ||
    (item.capability === 'backup' && item.key.endsWith(' copies to another region'))
      ? { setting: 'dr', expect: (env) => env.dr !== undefined }
      : undefined,
  // Retention: a retaining environment latches deletion protection on; a non-retaining one empties its buckets on
  // delete so the stack can go.
  (item) =>
    /^(Database|GlobalDatabase)\/DeletionProtection\//.test(pathOf(item))
      ? { setting: 'retainStatefulResources', expect: (env) => env.retainStatefulResources }
      : undefined,
  (item) =>
    /AutoDeleteObjects/.test(pathOf(item))
      ? { setting: 'retainStatefulResources', expect: (env) => !env.retainStatefulResources }
      : undefined,
  (item) =>
    /^Service\/TrafficConfig\//.test(pathOf(item))
      ? { setting: 'deployment.traffic', expect: (env) => env.deployment.traffic.type !== 'all-at-once' }
      : undefined,
  (item) => {
    const match = /^Monitoring\/Topics\/(P[1-4])\/([^/]+)\/Resource AWS::SNS::Subscription$/.exec(item.key);
    if (!match) return undefined;
    const [, severity, email] = match;
    return {
      setting: `notifications.${severity}`,
      expect: (env) => (env.notifications[severity as 'P1'] ?? []).includes(email),
    };
  },
  (item) => {
    const match = /^backup rule Frequent/.exec(item.key);
    if (!match || item.capability !== 'backup') return undefined;
    return { setting: 'backup.scheduleEveryHours', expect: (env) => env.backup.scheduleEveryHours < 24 };
  },
  (item) =>
    item.capability === 'backup' && item.key.endsWith(' continuous')
      ? { setting: 'backup.continuousBackup', expect: (env) => env.backup.continuousBackup }
      : undefined,
  (item) => {
    const match = /^switch (\S+)$/.exec(item.key);
    if (item.capability !== 'switches' || !match) return undefined;
    return { setting: 'killSwitch.switches', expect: (env) => env.killSwitch.switches.includes(match[1]) };
  },
];

/** The config setting that explains an item's differences, if one does. */
export function explanationFor(item: InventoryItem): Explanation | undefined {
  for (const rule of RULES) {
    const explanation = rule(item);
    if (explanation) return explanation;
  }
  return undefined;
}

/** A resource's path is the start of its key; other items carry the path of the resource that holds them. */
function pathOf(item: InventoryItem): string {
  return item.capability === 'resources' ? item.key : (item.path ?? '');
}
