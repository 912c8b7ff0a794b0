import { BulwarkConfigInput } from './schema';

/**
 * The one file you edit. Replace the placeholder account ids, zone and domain with yours, then
 * `npx cdk deploy Prod`. Everything here is validated at synth time; a mistake fails synth with a
 * message naming the field and the fix (see config/validate.ts).
 */
export const config: BulwarkConfigInput = {
  service: {
    name: 'orders',
    owner: 'platform-team',
    domainName: 'orders.example.com',
    hostedZoneId: 'Z0123456789ABCDEFGHIJ',
    hostedZoneName: 'example.com',
    image: 'public.ecr.aws/nginx/nginx:1.27',
    containerPort: 80,
    healthCheckPath: '/health',
    runbookBaseUrl: 'https://github.com/acme/bulwark/blob/main/runbooks',
    journeys: [
      { name: 'health', path: '/health', expectStatus: 200, latencyBudgetMs: 1000 },
      { name: 'home', path: '/', expectStatus: 200, bodyMatch: '<html', latencyBudgetMs: 2000 },
      { name: 'list-orders', path: '/api/orders', expectStatus: 200, latencyBudgetMs: 2000 },
      { name: 'my-account', path: '/api/me', expectStatus: 200, latencyBudgetMs: 2000, authenticated: true },
    ],
    nonCriticalFeatures: ['recommendations', 'reviews'],
  },
  environments: [
    {
      name: 'Dev',
      account: '111111111111',
      region: 'us-east-1',
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      tier: 3,
      retainStatefulResources: false,
      vpc: { cidr: '10.10.0.0/16', natGateways: 1 },
      service: { cpu: 256, memoryMiB: 512, desiredCount: 1, maxCount: 2 },
      deployment: { traffic: { type: 'all-at-once' }, bakeTimeMinutes: 0 },
      // Dev is tier 3 with a trickle of traffic: looser error and latency lines than Prod's defaults, or it pages on noise.
      alarms: {
        dailyCostBaselineUsd: 15,
        http5xxP1Percent: 10,
        http5xxP2Percent: 2,
        p95LatencySeconds: 5,
        p50LatencySeconds: 2,
      },
      database: { backupRetentionDays: 7, minCapacityAcu: 0, maxCapacityAcu: 2 },
      backup: {
        scheduleEveryHours: 12,
        continuousBackup: false,
        dailyRetentionDays: 7,
        weeklyRetentionDays: 28,
        monthlyRetentionDays: 120,
      },
      budget: { monthlyUsd: 500 },
      // The report fails a target it cannot assess unless it is acknowledged here with the reason.
      acknowledgeNotAssessed: {
        'rto/regional': "Dev has no DR region: a regional outage lasts as long as the region's; accepted for tier 3",
        'rpo-regional':
          'Dev keeps no copy outside its region: its data is test data, recreated from seeds after a regional loss',
        // Unmodelled store types (id prefix "rpo"): today only the incidents table (AWS::DynamoDB::Table, PITR on).
        rpo: 'the incidents table holds operational records, not customer data; the report does not model DynamoDB yet',
      },
    },
    {
      name: 'Staging',
      account: '222222222222',
      region: 'us-east-1',
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      tier: 2,
      retainStatefulResources: false,
      vpc: { cidr: '10.20.0.0/16', natGateways: 1 },
      service: { cpu: 512, memoryMiB: 1024, desiredCount: 2, maxCount: 4 },
      deployment: { traffic: { type: 'linear', percentage: 10, intervalMinutes: 1 }, bakeTimeMinutes: 5 },
      alarms: { dailyCostBaselineUsd: 30 },
      database: { backupRetentionDays: 14 },
      // The continuous (daily) rule keeps the same 14 days as the cluster: AWS Backup manages its PITR then.
      backup: { scheduleEveryHours: 24, continuousBackup: true, dailyRetentionDays: 14 },
      budget: { monthlyUsd: 1500 },
      acknowledgeNotAssessed: {
        'rto/regional':
          'Staging has no DR region: a regional outage stops releases until the region is back; accepted for tier 2',
        'rpo-regional':
          'Staging keeps no copy outside its region: its data is a masked copy of Prod, taken again after a regional loss',
        // Unmodelled store types (id prefix "rpo"): today only the incidents table (AWS::DynamoDB::Table, PITR on).
        rpo: 'the incidents table holds operational records, not customer data; the report does not model DynamoDB yet',
      },
    },
    {
      name: 'Prod',
      account: '333333333333',
      region: 'us-east-1',
      availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
      tier: 1,
      // Tighter than tier 1 (180 / 300 s): measured by the resilience report's worst case (docs/recovery-model.md).
      // DNS: the live records move only in the Region switch plan's DNS step, after the database can take writes
      // (issue 15). The DNS failover figure is that step's own: from the step starting to resolvers answering the
      // standby, its 2-min timeout (the bound of the automated path) + the 15 s TTL = 135 s (lib/report/dns.ts).
      // 180 s leaves 45 s of margin and fails the report if the step's bound or the TTL grows. The chain from the
      // failure (detection, trigger, database) is the regional RTO's, judged against rtoMinutes.
      targets: { detectionSeconds: 60, rollbackSeconds: 90, dnsFailoverSeconds: 180 },
      retainStatefulResources: true,
      vpc: { cidr: '10.30.0.0/16', natGateways: 3 },
      service: {
        cpu: 1024,
        memoryMiB: 2048,
        desiredCount: 3,
        maxCount: 12,
        // PLACEHOLDER: replace with your ACM certificate for domainName in this region (tier 1 serves HTTPS only;
        // the canary and smoke check verify it against domainName). The load balancer cannot be created with it.
        certificateArn: 'arn:aws:acm:us-east-1:333333333333:certificate/00000000-0000-0000-0000-000000000000',
      },
      deployment: { traffic: { type: 'canary', percentage: 10, intervalMinutes: 5 }, bakeTimeMinutes: 30 },
      alarms: { dailyCostBaselineUsd: 120 },
      // Probes every 10 s: the user-facing P1 failure modes page within 60 s under the report's worst case.
      canary: { probeEverySeconds: 10 },
      acknowledgeNotAssessed: {
        // Unmodelled store types (id prefix "rpo"): today only the incidents table (AWS::DynamoDB::Table, PITR on).
        rpo: 'the incidents table holds operational records, not customer data; the report does not model DynamoDB yet',
      },
      notifications: { P1: ['oncall@example.com'], P2: ['oncall@example.com'] },
      database: { backupRetentionDays: 35, minCapacityAcu: 1, maxCapacityAcu: 16, readers: 1 },
      backup: { scheduleEveryHours: 1, continuousBackup: true },
      budget: { monthlyUsd: 6000 },
      dr: {
        region: 'us-west-2',
        availabilityZones: ['us-west-2a', 'us-west-2b'],
        cidr: '10.40.0.0/16',
        natGateways: 2,
        standbyMode: 'warm-standby',
        // Endpoint checks of both load balancers: they page (dr-primary-unhealthy, dr-standby-unhealthy) and move the
        // drill pair, 2 x (10 s + 6 s Route 53 timeouts) = 32 s; the live pair follows the Region switch plan instead.
        healthCheck: { intervalSeconds: 10, failureThreshold: 2 },
        // PLACEHOLDER: replace with your ACM certificate for domainName in the DR region (certificates are regional).
        certificateArn: 'arn:aws:acm:us-west-2:333333333333:certificate/00000000-0000-0000-0000-000000000000',
      },
    },
  ],
  pipeline: {
    account: '444444444444',
    region: 'us-east-1',
    connectionArn: 'arn:aws:codeconnections:us-east-1:444444444444:connection/00000000-0000-0000-0000-000000000000',
    repository: 'acme/bulwark',
    branch: 'main',
  },
};
