import { StackTemplate } from '../../report/model';
import { isObject, numberValue, props, referencedIds, refTarget, resourcesOfType } from '../../report/templates';
import { Cidr, parseCidr } from './cidr';

/**
 * The network of one synthesized stack, read from its template only: subnets and their route tables and network
 * ACLs, NAT and internet gateways, security groups with every rule (inline and standalone), load balancers and
 * listeners, VPC endpoints and ECS services. Logical ids name everything, so a finding points into the template.
 */
export interface NetworkTopology {
  readonly stack: StackTemplate;
  readonly vpcs: ReadonlyMap<string, Vpc>;
  readonly subnets: ReadonlyMap<string, Subnet>;
  readonly routeTables: ReadonlyMap<string, RouteTable>;
  readonly natGateways: ReadonlyMap<string, NatGateway>;
  readonly securityGroups: ReadonlyMap<string, SecurityGroup>;
  readonly networkAcls: ReadonlyMap<string, NetworkAcl>;
  readonly loadBalancers: ReadonlyMap<string, LoadBalancer>;
  readonly listeners: ReadonlyMap<string, Listener>;
  readonly endpoints: readonly VpcEndpoint[];
  readonly services: readonly EcsService[];
}

export interface Vpc {
  readonly id: string;
  readonly cidr?: Cidr;
  /** Internet gateways attached to this VPC (AWS::EC2::VPCGatewayAttachment). */
  readonly internetGateways: ReadonlySet<string>;
}

export interface Subnet {
  readonly id: string;
  readonly vpc?: string;
  readonly cidr?: Cidr;
  readonly routeTable?: string;
  /** The custom network ACL associated with the subnet; absent: the VPC's default network ACL. */
  readonly networkAcl?: string;
}

export interface Route {
  readonly id: string;
  readonly destination?: Cidr;
  readonly target: { readonly kind: 'internet-gateway' | 'nat-gateway' | 'other'; readonly id?: string };
}

export interface RouteTable {
  readonly id: string;
  readonly routes: readonly Route[];
}

export interface NatGateway {
  readonly id: string;
  readonly subnet?: string;
  /** The Elastic IP whose AllocationId the NAT gateway takes; absent for a private NAT gateway. */
  readonly eip?: string;
}

/** Who a security group rule or network ACL entry admits, as far as the template says. */
export type Peer =
  | { readonly kind: 'cidr'; readonly cidr: Cidr; readonly label: string }
  | { readonly kind: 'eip'; readonly eip: string }
  | { readonly kind: 'security-group'; readonly group: string }
  | { readonly kind: 'prefix-list'; readonly label: string }
  | { readonly kind: 'unresolved'; readonly label: string };

export interface PortRange {
  readonly from: number;
  readonly to: number;
}

export interface SecurityGroupRule {
  /** Logical id of the resource that declares the rule (the group itself for inline rules). */
  readonly declaredBy: string;
  readonly direction: 'ingress' | 'egress';
  /** `all`, or a protocol name: `tcp`, `udp`, `icmp`. */
  readonly protocol: string;
  /** Absent: every port (protocol `all`), or a port that could not be resolved (see `unresolvedPorts`). */
  readonly ports?: PortRange;
  readonly unresolvedPorts?: boolean;
  readonly peer: Peer;
}

export interface SecurityGroup {
  readonly id: string;
  readonly vpc?: string;
  readonly rules: readonly SecurityGroupRule[];
}

export interface NetworkAclEntry {
  readonly id: string;
  readonly ruleNumber: number;
  readonly egress: boolean;
  readonly allow: boolean;
  readonly protocol: string;
  readonly ports?: PortRange;
  readonly cidr?: Cidr;
}

export interface NetworkAcl {
  readonly id: string;
  readonly entries: readonly NetworkAclEntry[];
}

export interface LoadBalancer {
  readonly id: string;
  readonly internetFacing: boolean;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
}

export interface Listener {
  readonly id: string;
  readonly loadBalancer?: string;
  readonly port?: number;
  readonly protocol?: string;
  readonly targetGroups: readonly string[];
}

export interface VpcEndpoint {
  readonly id: string;
  readonly vpc?: string;
  /** What follows `com.amazonaws.<region>.`: `secretsmanager`, `ecr.api`, `s3`. */
  readonly service?: string;
  readonly type: 'Interface' | 'Gateway' | string;
  readonly privateDns: boolean;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  readonly routeTables: readonly string[];
}

export interface EcsService {
  readonly id: string;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  readonly assignPublicIp: boolean;
  readonly targets: readonly { readonly targetGroup: string; readonly containerPort?: number }[];
}

/** Read the network of one stack from its template. */
export function readTopology(stack: StackTemplate): NetworkTopology {
  const ofType = (type: string) => resourcesOfType(stack, type);

  const attachments = new Map<string, Set<string>>();
  for (const [, attachment] of ofType('AWS::EC2::VPCGatewayAttachment')) {
    const vpc = refTarget(props(attachment).VpcId);
    const igw = refTarget(props(attachment).InternetGatewayId);
    if (vpc && igw) attachments.set(vpc, new Set([...(attachments.get(vpc) ?? []), igw]));
  }
  const vpcs = new Map<string, Vpc>();
  for (const [id, vpc] of ofType('AWS::EC2::VPC')) {
    const cidrBlock = props(vpc).CidrBlock;
    vpcs.set(id, {
      id,
      cidr: typeof cidrBlock === 'string' ? parseCidr(cidrBlock) : undefined,
      internetGateways: attachments.get(id) ?? new Set(),
    });
  }

  const routeTableOf = new Map<string, string>();
  for (const [, association] of ofType('AWS::EC2::SubnetRouteTableAssociation')) {
    const subnet = refTarget(props(association).SubnetId);
    const table = refTarget(props(association).RouteTableId);
    if (subnet && table) routeTableOf.set(subnet, table);
  }
  const aclOf = new Map<string, string>();
  for (const [, association] of ofType('AWS::EC2::SubnetNetworkAclAssociation')) {
    const subnet = refTarget(props(association).SubnetId);
    const acl = refTarget(props(association).NetworkAclId);
    if (subnet && acl) aclOf.set(subnet, acl);
  }
  const subnets = new Map<string, Subnet>();
  for (const [id, subnet] of ofType('AWS::EC2::Subnet')) {
    const cidrBlock = props(subnet).CidrBlock;
    subnets.set(id, {
      id,
      vpc: refTarget(props(subnet).VpcId),
      cidr: typeof cidrBlock === 'string' ? parseCidr(cidrBlock) : undefined,
      routeTable: routeTableOf.get(id),
      networkAcl: aclOf.get(id),
    });
  }

  const routes = new Map<string, Route[]>();
  for (const [id, route] of ofType('AWS::EC2::Route')) {
    const p = props(route);
    const table = refTarget(p.RouteTableId);
    if (!table) continue;
    const gateway = refTarget(p.GatewayId);
    const nat = refTarget(p.NatGatewayId);
    const target: Route['target'] =
      gateway && stack.resources[gateway]?.Type === 'AWS::EC2::InternetGateway'
        ? { kind: 'internet-gateway', id: gateway }
        : nat
          ? { kind: 'nat-gateway', id: nat }
          : { kind: 'other' };
    const destination = typeof p.DestinationCidrBlock === 'string' ? parseCidr(p.DestinationCidrBlock) : undefined;
    routes.set(table, [...(routes.get(table) ?? []), { id, destination, target }]);
  }
  const routeTables = new Map<string, RouteTable>();
  for (const [id] of ofType('AWS::EC2::RouteTable')) routeTables.set(id, { id, routes: routes.get(id) ?? [] });

  const natGateways = new Map<string, NatGateway>();
  for (const [id, nat] of ofType('AWS::EC2::NatGateway')) {
    natGateways.set(id, { id, subnet: refTarget(props(nat).SubnetId), eip: refTarget(props(nat).AllocationId) });
  }

  const securityGroups = readSecurityGroups(stack, vpcs);

  const entries = new Map<string, NetworkAclEntry[]>();
  for (const [id, entry] of ofType('AWS::EC2::NetworkAclEntry')) {
    const p = props(entry);
    const acl = refTarget(p.NetworkAclId);
    if (!acl) continue;
    const range = isObject(p.PortRange) ? p.PortRange : undefined;
    const from = numberValue(range?.From);
    const to = numberValue(range?.To);
    entries.set(acl, [
      ...(entries.get(acl) ?? []),
      {
        id,
        ruleNumber: numberValue(p.RuleNumber) ?? Number.MAX_SAFE_INTEGER,
        egress: p.Egress === true || p.Egress === 'true',
        allow: String(p.RuleAction).toLowerCase() === 'allow',
        protocol: protocolName(p.Protocol),
        ports: from !== undefined && to !== undefined ? { from, to } : undefined,
        cidr: typeof p.CidrBlock === 'string' ? parseCidr(p.CidrBlock) : undefined,
      },
    ]);
  }
  const networkAcls = new Map<string, NetworkAcl>();
  for (const [id] of ofType('AWS::EC2::NetworkAcl')) {
    networkAcls.set(id, { id, entries: [...(entries.get(id) ?? [])].sort((a, b) => a.ruleNumber - b.ruleNumber) });
  }

  const loadBalancers = new Map<string, LoadBalancer>();
  for (const [id, lb] of ofType('AWS::ElasticLoadBalancingV2::LoadBalancer')) {
    const p = props(lb);
    // Scheme defaults to internet-facing when the template omits it
    // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/
    // aws-resource-elasticloadbalancingv2-loadbalancer.html).
    loadBalancers.set(id, {
      id,
      internetFacing: p.Scheme !== 'internal',
      subnets: idList(p.Subnets),
      securityGroups: idList(p.SecurityGroups),
    });
  }
  const listeners = new Map<string, Listener>();
  for (const [id, listener] of ofType('AWS::ElasticLoadBalancingV2::Listener')) {
    const p = props(listener);
    const actions = Array.isArray(p.DefaultActions) ? p.DefaultActions : [];
    const targetGroups = actions.flatMap((action) => {
      if (!isObject(action)) return [];
      const forward =
        isObject(action.ForwardConfig) && Array.isArray(action.ForwardConfig.TargetGroups)
          ? action.ForwardConfig.TargetGroups
          : [];
      const arns = [action.TargetGroupArn, ...forward.map((tg) => (isObject(tg) ? tg.TargetGroupArn : undefined))];
      return arns.flatMap((arn) => targetGroupsOf(stack, arn));
    });
    listeners.set(id, {
      id,
      loadBalancer: refTarget(p.LoadBalancerArn),
      port: numberValue(p.Port),
      protocol: typeof p.Protocol === 'string' ? p.Protocol : undefined,
      targetGroups,
    });
  }

  const endpoints = ofType('AWS::EC2::VPCEndpoint').map(([id, endpoint]): VpcEndpoint => {
    const p = props(endpoint);
    return {
      id,
      vpc: refTarget(p.VpcId),
      service: endpointService(p.ServiceName),
      // CloudFormation's defaults: a Gateway endpoint, private DNS off
      // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-vpcendpoint.html).
      type: typeof p.VpcEndpointType === 'string' ? p.VpcEndpointType : 'Gateway',
      privateDns: p.PrivateDnsEnabled === true || p.PrivateDnsEnabled === 'true',
      subnets: idList(p.SubnetIds),
      securityGroups: idList(p.SecurityGroupIds),
      routeTables: idList(p.RouteTableIds),
    };
  });

  const services = ofType('AWS::ECS::Service').map(([id, service]): EcsService => {
    const p = props(service);
    const awsvpc =
      isObject(p.NetworkConfiguration) && isObject(p.NetworkConfiguration.AwsvpcConfiguration)
        ? p.NetworkConfiguration.AwsvpcConfiguration
        : {};
    const lbs = Array.isArray(p.LoadBalancers) ? p.LoadBalancers : [];
    return {
      id,
      subnets: idList(awsvpc.Subnets),
      securityGroups: idList(awsvpc.SecurityGroups),
      assignPublicIp: awsvpc.AssignPublicIp === 'ENABLED',
      targets: lbs.flatMap((lb) => {
        const targetGroup = isObject(lb) ? refTarget(lb.TargetGroupArn) : undefined;
        return isObject(lb) && targetGroup ? [{ targetGroup, containerPort: numberValue(lb.ContainerPort) }] : [];
      }),
    };
  });

  return {
    stack,
    vpcs,
    subnets,
    routeTables,
    natGateways,
    securityGroups,
    networkAcls,
    loadBalancers,
    listeners,
    endpoints,
    services,
  };
}

function readSecurityGroups(stack: StackTemplate, vpcs: ReadonlyMap<string, Vpc>): Map<string, SecurityGroup> {
  const rules = new Map<string, SecurityGroupRule[]>();
  const add = (group: string, rule: SecurityGroupRule) => rules.set(group, [...(rules.get(group) ?? []), rule]);
  const groups = resourcesOfType(stack, 'AWS::EC2::SecurityGroup');
  for (const [id, group] of groups) {
    const p = props(group);
    for (const rule of Array.isArray(p.SecurityGroupIngress) ? p.SecurityGroupIngress : []) {
      if (isObject(rule)) add(id, readRule(stack, vpcs, id, 'ingress', rule));
    }
    const egress = Array.isArray(p.SecurityGroupEgress) ? p.SecurityGroupEgress : [];
    // A group declared without egress rules keeps the default rule that allows all outbound traffic
    // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-securitygroup.html,
    // SecurityGroupEgress); declaring any inline egress rule replaces it.
    if (egress.length === 0)
      add(id, {
        declaredBy: id,
        direction: 'egress',
        protocol: 'all',
        peer: { kind: 'cidr', cidr: parseCidr('0.0.0.0/0')!, label: '0.0.0.0/0 (default rule)' },
      });
    for (const rule of egress) if (isObject(rule)) add(id, readRule(stack, vpcs, id, 'egress', rule));
  }
  for (const [type, direction] of [
    ['AWS::EC2::SecurityGroupIngress', 'ingress'],
    ['AWS::EC2::SecurityGroupEgress', 'egress'],
  ] as const) {
    for (const [id, resource] of resourcesOfType(stack, type)) {
      const p = props(resource);
      const group = refTarget(p.GroupId);
      if (group) add(group, readRule(stack, vpcs, id, direction, p));
    }
  }
  const out = new Map<string, SecurityGroup>();
  for (const [id, group] of groups) out.set(id, { id, vpc: refTarget(props(group).VpcId), rules: rules.get(id) ?? [] });
  return out;
}

function readRule(
  stack: StackTemplate,
  vpcs: ReadonlyMap<string, Vpc>,
  declaredBy: string,
  direction: 'ingress' | 'egress',
  rule: Record<string, unknown>,
): SecurityGroupRule {
  const protocol = protocolName(rule.IpProtocol);
  const from = portValue(stack, rule.FromPort);
  const to = portValue(stack, rule.ToPort);
  const portsGiven = rule.FromPort !== undefined || rule.ToPort !== undefined;
  const ports = protocol === 'all' ? undefined : from !== undefined && to !== undefined ? { from, to } : undefined;
  const groupPeer = refTarget(direction === 'ingress' ? rule.SourceSecurityGroupId : rule.DestinationSecurityGroupId);
  const prefixList = direction === 'ingress' ? rule.SourcePrefixListId : rule.DestinationPrefixListId;
  const peer: Peer = groupPeer
    ? { kind: 'security-group', group: groupPeer }
    : prefixList !== undefined
      ? { kind: 'prefix-list', label: `prefix list ${JSON.stringify(prefixList)}` }
      : cidrPeer(stack, vpcs, rule.CidrIp);
  return { declaredBy, direction, protocol, ports, unresolvedPorts: protocol !== 'all' && portsGiven && !ports, peer };
}

/** A CidrIp as written: a literal, the VPC's `CidrBlock`, or `<EIP PublicIp>/32` built with Fn::Join. */
function cidrPeer(stack: StackTemplate, vpcs: ReadonlyMap<string, Vpc>, value: unknown): Peer {
  if (typeof value === 'string') {
    const cidr = parseCidr(value);
    return cidr ? { kind: 'cidr', cidr, label: value } : { kind: 'unresolved', label: value };
  }
  const target = refTarget(value);
  if (
    target &&
    vpcs.get(target)?.cidr &&
    isObject(value) &&
    JSON.stringify(value['Fn::GetAtt']).includes('CidrBlock')
  ) {
    return {
      kind: 'cidr',
      cidr: vpcs.get(target)!.cidr!,
      label: `the VPC CIDR ${vpcs.get(target)!.cidr!.text} (${target})`,
    };
  }
  const parts = joinParts(value);
  if (parts && parts.length === 2 && parts[1] === '/32') {
    const eip = refTarget(parts[0]);
    if (eip && stack.resources[eip]?.Type === 'AWS::EC2::EIP' && JSON.stringify(parts[0]).includes('PublicIp'))
      return { kind: 'eip', eip };
  }
  return { kind: 'unresolved', label: JSON.stringify(value) };
}

/**
 * The target groups a listener action's `TargetGroupArn` may forward to: a target group itself, or a custom resource
 * that picks one of the target groups it is given (which one serves now is known only at deploy time, e.g. after a
 * CodeDeploy blue/green swap), so every target group among its properties.
 */
function targetGroupsOf(stack: StackTemplate, arn: unknown): string[] {
  const id = refTarget(arn);
  const resource = id ? stack.resources[id] : undefined;
  if (!id || !resource) return [];
  if (resource.Type === 'AWS::ElasticLoadBalancingV2::TargetGroup') return [id];
  if (!resource.Type.startsWith('Custom::')) return [];
  const ids = [...referencedIds(resource.Properties ?? {})];
  return ids.filter((ref) => stack.resources[ref]?.Type === 'AWS::ElasticLoadBalancingV2::TargetGroup');
}

/** The parts of `Fn::Join ["", [...]]`, else undefined. */
export function joinParts(value: unknown): unknown[] | undefined {
  if (!isObject(value)) return undefined;
  const join = value['Fn::Join'];
  if (!Array.isArray(join) || join.length !== 2 || !Array.isArray(join[1])) return undefined;
  return join[0] === '' ? join[1] : undefined;
}

/**
 * A port: a number, or `Fn::GetAtt [<DB cluster>, Endpoint.Port]` resolved to the cluster's `Port`, or the engine's
 * default port when the template leaves it out.
 */
export function portValue(stack: StackTemplate, value: unknown): number | undefined {
  const literal = numberValue(value);
  if (literal !== undefined) return literal;
  const target = refTarget(value);
  const resource = target ? stack.resources[target] : undefined;
  if (resource?.Type === 'AWS::RDS::DBCluster' && JSON.stringify(value).includes('Endpoint.Port'))
    return clusterPort(props(resource));
  return undefined;
}

/**
 * The port a DB cluster listens on: its `Port`, else the engine's default, 3306 for Aurora MySQL and 5432 for
 * Aurora PostgreSQL (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html, Port).
 */
export function clusterPort(clusterProps: Record<string, unknown>): number | undefined {
  const explicit = numberValue(clusterProps.Port);
  if (explicit !== undefined) return explicit;
  const engine = String(clusterProps.Engine ?? '');
  if (engine.includes('postgres')) return 5432;
  if (engine.includes('mysql')) return 3306;
  return undefined;
}

/**
 * Logical ids of a list property: an array of Ref/GetAtt, or a comma-separated string built with `Fn::Join` (a hosted
 * rotation's `VpcSubnetIds` joins the ids with "" and "," parts).
 */
export function idList(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => idList(item));
  const join = isObject(value) ? value['Fn::Join'] : undefined;
  if (
    Array.isArray(join) &&
    Array.isArray(join[1]) &&
    join[1].every((part) => typeof part !== 'string' || /^[,\s]*$/.test(part))
  ) {
    return idList(join[1]);
  }
  const id = refTarget(value);
  return id ? [id] : [];
}

function protocolName(value: unknown): string {
  const text = String(value ?? '-1').toLowerCase();
  // IpProtocol takes names or numbers; -1 means all
  // (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html).
  const byNumber: Record<string, string> = { '-1': 'all', '6': 'tcp', '17': 'udp', '1': 'icmp' };
  return byNumber[text] ?? text;
}

function endpointService(value: unknown): string | undefined {
  // `com.amazonaws.<region>.<service>`, written as a literal or joined with `{ Ref: AWS::Region }`.
  const text =
    typeof value === 'string'
      ? value
      : (joinParts(value) ?? []).map((part) => (typeof part === 'string' ? part : 'region')).join('');
  const match = /^com\.amazonaws\.[^.]+\.(.+)$/.exec(text);
  return match?.[1];
}
