import { ANYWHERE, Cidr, contains, isAnywhere, isPrivateRange, overlaps } from './cidr';
import { LoadBalancer, NetworkTopology, Peer, PortRange, SecurityGroupRule, Subnet } from './topology';

/** Where traffic starts. */
export type Client =
  /** A network interface in one of `subnets` (a VPC Lambda, a Fargate task, a load balancer node). */
  | {
      readonly kind: 'interface';
      readonly label: string;
      readonly subnets: readonly string[];
      readonly securityGroups: readonly string[];
      /** Whether the interface has a public IPv4 address (a Lambda's never has). */
      readonly publicIp: boolean;
    }
  /** A public address outside the VPC whose exact range no template names (a Lambda outside any VPC, Route 53). */
  | { readonly kind: 'internet'; readonly label: string };

/** Where traffic goes. */
export type Server =
  | {
      readonly kind: 'interface';
      readonly label: string;
      readonly subnets: readonly string[];
      readonly securityGroups: readonly string[];
    }
  /** Reached by its DNS name, so what it resolves to depends on its scheme. */
  | { readonly kind: 'load-balancer'; readonly loadBalancer: LoadBalancer }
  /** An AWS API (`codedeploy`, `secretsmanager`, ...) over HTTPS: through a VPC endpoint, or its public endpoint. */
  | { readonly kind: 'aws-api'; readonly service: string };

export interface Verdict {
  readonly pass: boolean;
  /** How the traffic goes, e.g. `NAT gateway X (EIP Y)`, `interface endpoint Z`. */
  readonly via: readonly string[];
  /** Each rule or route to add, naming the resource by logical id. */
  readonly needs: readonly string[];
}

/** The source address the destination sees. */
type Seen =
  | { readonly kind: 'private'; readonly subnet: Subnet; readonly securityGroups: readonly string[] }
  | { readonly kind: 'eip'; readonly eip: string }
  | { readonly kind: 'public'; readonly label: string };

/** A destination address as the source's egress rules and network ACLs see it. */
type Destination =
  | { readonly kind: 'private'; readonly subnet: Subnet; readonly securityGroups: readonly string[] }
  | { readonly kind: 'public' };

/**
 * Return traffic of a TCP connection goes to the client's ephemeral port; Lambda and NAT gateways use
 * 1024-65535, so a network ACL must allow that whole range back
 * (https://docs.aws.amazon.com/vpc/latest/userguide/custom-network-acl.html#nacl-ephemeral-ports).
 */
const EPHEMERAL: PortRange = { from: 1024, to: 65535 };

/** HTTPS: what the AWS SDK uses for every API call. */
const HTTPS = 443;

/**
 * Whether TCP traffic from `client` reaches `server` on `port`, proven from the templates: routes, the source
 * address the destination really sees, security group rules of both ends (stateful, so the reply is allowed)
 * and network ACLs of every subnet crossed (stateless, so the reply is checked too). What cannot be proven
 * (an unresolved CIDR, a prefix list) does not pass.
 */
export function evaluatePath(topology: NetworkTopology, client: Client, server: Server, port: number): Verdict {
  const check = new PathCheck(topology);
  if (client.kind === 'internet') {
    if (server.kind === 'load-balancer')
      check.reachLoadBalancerFromOutside(server.loadBalancer, { kind: 'public', label: client.label }, port);
    else check.need(`${client.label} is outside the VPC and cannot reach ${describeServer(server)}`);
    return check.verdict();
  }
  if (client.subnets.length === 0) check.need(`${client.label} is in no subnet the template names`);
  for (const subnetId of client.subnets) {
    const subnet = topology.subnets.get(subnetId);
    if (!subnet) {
      check.need(`subnet ${subnetId} of ${client.label} is not in this template`);
      continue;
    }
    check.fromInterface(client, subnet, server, port);
  }
  return check.verdict();
}

function describeServer(server: Server): string {
  if (server.kind === 'interface') return server.label;
  if (server.kind === 'load-balancer') return `load balancer ${server.loadBalancer.id}`;
  return `the ${server.service} API`;
}

/** Collects what a path needs, grouping peers of the same missing rule into one line. */
class PathCheck {
  private readonly via = new Set<string>();
  private readonly groups = new Map<string, Set<string>>();

  constructor(private readonly topology: NetworkTopology) {}

  need(head: string, peer?: string): void {
    const peers = this.groups.get(head) ?? new Set<string>();
    if (peer) peers.add(peer);
    this.groups.set(head, peers);
  }

  verdict(): Verdict {
    const needs = [...this.groups].map(([head, peers]) => (peers.size ? `${head} ${[...peers].join(', ')}` : head));
    return { pass: needs.length === 0, via: [...this.via], needs };
  }

  fromInterface(client: Extract<Client, { kind: 'interface' }>, subnet: Subnet, server: Server, port: number): void {
    if (server.kind === 'interface') {
      this.privatePath(client, subnet, server.label, server.subnets, server.securityGroups, port);
    } else if (server.kind === 'load-balancer') {
      const lb = server.loadBalancer;
      // An internet-facing load balancer's DNS name resolves to its nodes' public addresses, an internal one's to
      // private addresses
      // (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html,
      // Scheme): from inside the VPC, the first is reached through the internet, the second over the local route.
      if (lb.internetFacing) {
        const seen = this.toPublic(client, subnet, port, `load balancer ${lb.id}`);
        if (seen) this.reachLoadBalancerFromOutside(lb, seen, port);
      } else {
        this.privatePath(client, subnet, `load balancer ${lb.id}`, lb.subnets, lb.securityGroups, port);
      }
    } else {
      this.toAwsApi(client, subnet, server.service);
    }
  }

  /**
   * An AWS API from inside the VPC: an interface endpoint with private DNS makes the service's default name resolve
   * to the endpoint's private addresses
   * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html,
   * PrivateDnsEnabled); a gateway endpoint (S3, DynamoDB) is a route in the subnet's route table
   * (https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html); otherwise the public endpoint, which
   * a Lambda in a VPC reaches only through a NAT gateway
   * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-internet.html).
   */
  private toAwsApi(client: Extract<Client, { kind: 'interface' }>, subnet: Subnet, service: string): void {
    const sameVpc = this.topology.endpoints.filter((e) => e.service === service && e.vpc === subnet.vpc);
    const iface = sameVpc.find((e) => e.type === 'Interface' && e.privateDns);
    if (iface) {
      if (iface.securityGroups.length === 0) {
        this.need(`interface endpoint ${iface.id} names no security group (the VPC's default group would apply)`);
        return;
      }
      this.privatePath(client, subnet, `interface endpoint ${iface.id}`, iface.subnets, iface.securityGroups, HTTPS);
      this.via.add(`interface endpoint ${iface.id}`);
      return;
    }
    const gateway = sameVpc.find(
      (e) => e.type === 'Gateway' && subnet.routeTable !== undefined && e.routeTables.includes(subnet.routeTable),
    );
    if (gateway) {
      this.egress(client, { kind: 'public' }, HTTPS, `the ${service} API`);
      this.via.add(`gateway endpoint ${gateway.id}`);
      return;
    }
    this.toPublic(client, subnet, HTTPS, `the ${service} API (no interface endpoint for ${service} in this VPC)`);
  }

  /**
   * Inside one VPC, over the local route every route table has
   * (https://docs.aws.amazon.com/vpc/latest/userguide/RouteTables.html).
   */
  private privatePath(
    client: Extract<Client, { kind: 'interface' }>,
    subnet: Subnet,
    label: string,
    serverSubnets: readonly string[],
    serverGroups: readonly string[],
    port: number,
  ): void {
    if (serverSubnets.length === 0) this.need(`${label} is in no subnet the template names`);
    for (const serverSubnetId of serverSubnets) {
      const serverSubnet = this.topology.subnets.get(serverSubnetId);
      if (!serverSubnet) {
        this.need(`subnet ${serverSubnetId} of ${label} is not in this template`);
        continue;
      }
      if (serverSubnet.vpc !== subnet.vpc) {
        this.need(
          `${label} (subnet ${serverSubnetId}) is in another VPC than ${client.label} (subnet ${subnet.id}); ` +
            'no peering is modelled',
        );
        continue;
      }
      this.egress(client, { kind: 'private', subnet: serverSubnet, securityGroups: serverGroups }, port, label);
      this.ingress(serverGroups, { kind: 'private', subnet, securityGroups: client.securityGroups }, port, label);
      if (serverSubnet.id !== subnet.id) {
        this.acl(subnet, 'outbound', range(port), serverSubnet.cidr);
        this.acl(serverSubnet, 'inbound', range(port), subnet.cidr);
        this.acl(serverSubnet, 'outbound', EPHEMERAL, subnet.cidr);
        this.acl(subnet, 'inbound', EPHEMERAL, serverSubnet.cidr);
      }
    }
    this.via.add('local route');
  }

  /**
   * To a public address: the subnet's default route decides. Through a public NAT gateway the source becomes the NAT
   * gateway's Elastic IP (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html); through an internet
   * gateway only an interface with a public IP gets out. Returns what the destination sees, or undefined.
   */
  private toPublic(
    client: Extract<Client, { kind: 'interface' }>,
    subnet: Subnet,
    port: number,
    label: string,
  ): Seen | undefined {
    this.egress(client, { kind: 'public' }, port, label);
    this.acl(subnet, 'outbound', range(port), undefined);
    this.acl(subnet, 'inbound', EPHEMERAL, undefined);
    const route = this.defaultRoute(subnet.routeTable);
    if (!route) {
      this.need(
        subnet.routeTable
          ? `route table ${subnet.routeTable} (subnet ${subnet.id}) needs a 0.0.0.0/0 route to a NAT gateway ` +
              `for ${client.label} to reach ${label}`
          : `subnet ${subnet.id} has no route table association (the main route table routes only the VPC); ` +
              `${client.label} cannot reach ${label}`,
      );
      return undefined;
    }
    if (route.target.kind === 'internet-gateway') {
      if (!client.publicIp) {
        this.need(
          `${client.label} has no public IP, so the internet gateway route of subnet ${subnet.id} gives it no way ` +
            `to ${label}; route 0.0.0.0/0 to a NAT gateway`,
        );
        return undefined;
      }
      this.via.add(`internet gateway ${route.target.id}`);
      return { kind: 'public', label: `public IPs of ${client.label}` };
    }
    if (route.target.kind !== 'nat-gateway' || !route.target.id) {
      this.need(`route ${route.id} sends 0.0.0.0/0 from subnet ${subnet.id} to a target this check does not model`);
      return undefined;
    }
    const nat = this.topology.natGateways.get(route.target.id);
    const natSubnet = nat?.subnet ? this.topology.subnets.get(nat.subnet) : undefined;
    if (!nat || !natSubnet) {
      this.need(`NAT gateway ${route.target.id} (route ${route.id}) or its subnet is not in this template`);
      return undefined;
    }
    if (!nat.eip) {
      this.need(`NAT gateway ${nat.id} has no Elastic IP (a private NAT gateway does not reach the internet)`);
      return undefined;
    }
    const natRoute = this.defaultRoute(natSubnet.routeTable);
    if (natRoute?.target.kind !== 'internet-gateway') {
      this.need(
        `route table ${natSubnet.routeTable ?? '(main)'} of NAT gateway ${nat.id}'s subnet ${natSubnet.id} ` +
          'needs 0.0.0.0/0 to an internet gateway',
      );
      return undefined;
    }
    this.acl(natSubnet, 'inbound', range(port), subnet.cidr);
    this.acl(natSubnet, 'outbound', range(port), undefined);
    this.acl(natSubnet, 'inbound', EPHEMERAL, undefined);
    this.acl(natSubnet, 'outbound', EPHEMERAL, subnet.cidr);
    this.via.add(`NAT gateway ${nat.id} (EIP ${nat.eip})`);
    return { kind: 'eip', eip: nat.eip };
  }

  /**
   * Into an internet-facing load balancer from a public address: it must sit in subnets routed to an internet
   * gateway
   * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html,
   * "Subnets for your load balancer")
   * and its security groups must admit the listener port from the address the client really arrives from
   * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-update-security-groups.html).
   */
  reachLoadBalancerFromOutside(lb: LoadBalancer, seen: Seen, port: number): void {
    if (!lb.internetFacing) {
      this.need(
        `load balancer ${lb.id} is internal: its DNS name resolves to private addresses, ` +
          'unreachable from outside the VPC',
      );
      return;
    }
    for (const subnetId of lb.subnets) {
      const subnet = this.topology.subnets.get(subnetId);
      if (!subnet) {
        this.need(`subnet ${subnetId} of load balancer ${lb.id} is not in this template`);
        continue;
      }
      const route = this.defaultRoute(subnet.routeTable);
      if (route?.target.kind === 'internet-gateway') this.via.add(`internet gateway ${route.target.id}`);
      else
        this.need(
          `subnet ${subnetId} of internet-facing load balancer ${lb.id} needs a 0.0.0.0/0 route to an internet gateway`,
        );
      this.acl(subnet, 'inbound', range(port), undefined);
      this.acl(subnet, 'outbound', EPHEMERAL, undefined);
    }
    this.ingress(lb.securityGroups, seen, port, `load balancer ${lb.id}`);
  }

  private egress(
    client: Extract<Client, { kind: 'interface' }>,
    destination: Destination,
    port: number,
    label: string,
  ): void {
    const rules = this.rulesOf(client.securityGroups, 'egress');
    if (rules.some((rule) => coversPort(rule, port) && egressPeerMatches(rule.peer, destination))) return;
    const groups = client.securityGroups.join(' or ') || `${client.label} (no security group)`;
    const to =
      destination.kind === 'public'
        ? `0.0.0.0/0 (${label} has public addresses)`
        : destination.securityGroups.length
          ? `security group ${destination.securityGroups[0]}`
          : describeCidr(destination.subnet);
    this.need(`${groups} needs egress tcp ${port} to`, to);
  }

  private ingress(serverGroups: readonly string[], seen: Seen, port: number, label: string): void {
    const rules = this.rulesOf(serverGroups, 'ingress');
    if (rules.some((rule) => coversPort(rule, port) && ingressPeerMatches(rule.peer, seen))) return;
    const groups = serverGroups.join(' or ') || `${label} (no security group)`;
    if (seen.kind === 'eip') this.need(`${groups} needs ingress tcp ${port} from the NAT gateways' EIPs`, seen.eip);
    else if (seen.kind === 'public') this.need(`${groups} needs ingress tcp ${port} from 0.0.0.0/0 (${seen.label})`);
    else
      this.need(
        `${groups} needs ingress tcp ${port} from`,
        seen.securityGroups.length ? `security group ${seen.securityGroups[0]}` : describeCidr(seen.subnet),
      );
  }

  private rulesOf(groups: readonly string[], direction: 'ingress' | 'egress'): SecurityGroupRule[] {
    return groups
      .flatMap((id) => this.topology.securityGroups.get(id)?.rules ?? [])
      .filter((rule) => rule.direction === direction);
  }

  /** The route that carries an arbitrary public address: 0.0.0.0/0 (a narrower route cannot be proven to apply). */
  private defaultRoute(routeTable: string | undefined) {
    return routeTable
      ? this.topology.routeTables.get(routeTable)?.routes.find((r) => r.destination && isAnywhere(r.destination))
      : undefined;
  }

  /**
   * A subnet's network ACL, evaluated as AWS does: entries in rule-number order, the first match decides, and the
   * final `*` entry denies (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html). A subnet with
   * no custom ACL has the VPC's default ACL, which allows all traffic both ways
   * (https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html). `remote` undefined: any public
   * address. An entry that matches only part of the traffic and denies it fails the path.
   */
  private acl(subnet: Subnet, direction: 'inbound' | 'outbound', ports: PortRange, remote: Cidr | undefined): void {
    if (!subnet.networkAcl) return;
    const acl = this.topology.networkAcls.get(subnet.networkAcl);
    const portText = ports.from === ports.to ? `${ports.from}` : `${ports.from}-${ports.to}`;
    const preposition = direction === 'inbound' ? 'from' : 'to';
    const what = `${direction} tcp ${portText} ${preposition} ${remote?.text ?? '0.0.0.0/0'}`;
    const head = `network ACL ${subnet.networkAcl} (subnet ${subnet.id}) needs an allow entry ${what}`;
    if (!acl) {
      this.need(`${head} (the ACL is not in this template)`);
      return;
    }
    for (const entry of acl.entries.filter((e) => e.egress === (direction === 'outbound'))) {
      if (entry.protocol !== 'all' && entry.protocol !== 'tcp') continue;
      const portsCovered = !entry.ports || (entry.ports.from <= ports.from && ports.to <= entry.ports.to);
      const portsTouched = !entry.ports || (entry.ports.from <= ports.to && ports.from <= entry.ports.to);
      const entryCidr = entry.cidr ?? ANYWHERE;
      const addressCovered = isAnywhere(entryCidr) || (remote !== undefined && contains(entryCidr, remote));
      const addressTouched = remote ? overlaps(entryCidr, remote) : !isPrivateRange(entryCidr);
      if (portsCovered && addressCovered) {
        if (!entry.allow) this.need(`${head}: entry ${entry.id} (rule ${entry.ruleNumber}) denies it first`);
        return;
      }
      if (!entry.allow && portsTouched && addressTouched) {
        this.need(`${head}: entry ${entry.id} (rule ${entry.ruleNumber}) denies part of it first`);
        return;
      }
    }
    this.need(head);
  }
}

function range(port: number): PortRange {
  return { from: port, to: port };
}

function coversPort(rule: SecurityGroupRule, port: number): boolean {
  if (rule.protocol === 'all') return true;
  if (rule.protocol !== 'tcp' || !rule.ports) return false;
  return rule.ports.from <= port && port <= rule.ports.to;
}

/**
 * A rule naming a security group admits traffic from the private addresses of that group's interfaces only; traffic
 * that reached the destination through a NAT gateway or the internet carries a public source address and matches
 * CIDR rules only (https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html, "Security group
 * referencing"). An Elastic IP is a public address: outside any RFC 1918 block.
 */
function ingressPeerMatches(peer: Peer, seen: Seen): boolean {
  if (peer.kind === 'security-group') return seen.kind === 'private' && seen.securityGroups.includes(peer.group);
  if (peer.kind === 'eip') return seen.kind === 'eip' && seen.eip === peer.eip;
  if (peer.kind !== 'cidr') return false;
  if (isAnywhere(peer.cidr)) return true;
  return seen.kind === 'private' && seen.subnet.cidr !== undefined && contains(peer.cidr, seen.subnet.cidr);
}

function egressPeerMatches(peer: Peer, destination: Destination): boolean {
  if (peer.kind === 'security-group')
    return destination.kind === 'private' && destination.securityGroups.includes(peer.group);
  if (peer.kind !== 'cidr') return false;
  if (isAnywhere(peer.cidr)) return true;
  return (
    destination.kind === 'private' &&
    destination.subnet.cidr !== undefined &&
    contains(peer.cidr, destination.subnet.cidr)
  );
}

function describeCidr(subnet: Subnet): string {
  return subnet.cidr ? `${subnet.cidr.text} (subnet ${subnet.id})` : `subnet ${subnet.id}`;
}
