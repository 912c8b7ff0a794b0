import { Construct } from 'constructs';
import { EnvironmentConfig, PipelineConfig, ServiceConfig } from '../../config';
import { BulwarkStack } from '../common/bulwark-stack';
import { Naming } from '../common/naming';
import { SeverityTopics } from '../monitoring/severity-topics';
import { DeliveryPipeline } from '../pipeline/delivery-pipeline';

export const PIPELINE_STACK_ID = 'Pipeline';

export interface PipelineStackProps {
  readonly service: ServiceConfig;
  readonly pipeline: PipelineConfig;
  /** In deployment order (Dev, Staging, Prod). */
  readonly environments: readonly EnvironmentConfig[];
  /** Id of the DR standby stack the pipeline deploys after the environment with a `dr` block. */
  readonly drStackId?: string;
}

/**
 * The tooling account's stack (`cdk deploy Pipeline`): the delivery pipeline and its own severity topics
 * (the workload accounts' topics are out of reach from here). Failures go to P3.
 */
export class PipelineStack extends BulwarkStack {
  readonly delivery: DeliveryPipeline;
  readonly topics: SeverityTopics;

  constructor(scope: Construct, props: PipelineStackProps) {
    const { service, pipeline } = props;
    super(scope, PIPELINE_STACK_ID, {
      stackName: PIPELINE_STACK_ID,
      description: `Bulwark ${service.name} delivery pipeline: ${props.environments.map((e) => e.name).join(' -> ')}${props.drStackId ? ` -> ${props.drStackId}` : ''} from ${pipeline.repository}@${pipeline.branch}`,
      env: { account: pipeline.account, region: pipeline.region },
      // Nothing here needs a VPC; the zones only keep synth from asking AWS.
      availabilityZones: [`${pipeline.region}a`, `${pipeline.region}b`],
      terminationProtection: true,
      tags: { service: service.name, environment: PIPELINE_STACK_ID, owner: service.owner },
    });
    this.topics = new SeverityTopics(this, 'Topics', {
      naming: new Naming(service.name, 'pipeline'),
      subscriptions: pipeline.notifications,
    });
    this.delivery = new DeliveryPipeline(this, 'Delivery', {
      service,
      pipeline,
      environments: props.environments,
      drStackId: props.drStackId,
      failureTopic: this.topics.topic('P3'),
    });
  }
}
