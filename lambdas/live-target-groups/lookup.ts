import type { Logger } from '@aws-lambda-powertools/logger';
import {
  Action,
  DescribeListenersCommand,
  ElasticLoadBalancingV2Client,
  Listener,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import { RetryOptions, withRetry } from '../shared/retry';
import { attributeForPort } from './attributes';

/** zod/mini loads no locale; English, as classic zod has, keeps the parse errors' wording. */
z.config(en());

const loadBalancerArn = z.string().check(
  z.regex(/^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/app\/.+/, {
    error: 'must be an Application Load Balancer ARN',
  }),
);
const targetGroupArn = z.string().check(
  z.regex(/^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/.+/, {
    error: 'must be a target group ARN',
  }),
);
const port = z.coerce.number().check(z.int(), z.minimum(1), z.maximum(65535));

/** The custom resource's properties (CloudFormation passes every scalar as a string). */
export const lookupPropertiesSchema = z.object({
  LoadBalancerArn: loadBalancerArn,
  BlueTargetGroupArn: targetGroupArn,
  GreenTargetGroupArn: targetGroupArn,
  Ports: z.array(port).check(z.minLength(1)),
  /** The listeners' configuration, only so that CloudFormation re-runs the lookup when it changes; not read here. */
  ListenerFingerprint: z.string().check(z.minLength(1)),
});
export type LookupProperties = z.infer<typeof lookupPropertiesSchema>;

const baseEvent = { RequestId: z.string().check(z.minLength(1)), ResourceProperties: lookupPropertiesSchema };
export const lookupEventSchema = z.discriminatedUnion('RequestType', [
  z.object({ ...baseEvent, RequestType: z.literal('Create') }),
  z.object({ ...baseEvent, RequestType: z.literal('Update'), PhysicalResourceId: z.string().check(z.minLength(1)) }),
  z.object({ ...baseEvent, RequestType: z.literal('Delete'), PhysicalResourceId: z.string().check(z.minLength(1)) }),
]);
export type LookupEvent = z.infer<typeof lookupEventSchema>;

export interface LookupResponse {
  readonly PhysicalResourceId: string;
  /** `TargetGroupForPort<port>`: the ARN of the target group that port's listener serves now. */
  readonly Data?: Record<string, string>;
}

export interface LookupDeps {
  readonly elb: Pick<ElasticLoadBalancingV2Client, 'send'>;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  readonly retry?: RetryOptions;
}

/**
 * Which of the blue/green pair each listener port forwards to right now, so that CloudFormation, when it updates a
 * listener, writes back the target group CodeDeploy left there instead of the template's original one.
 *
 * - A listener that exists: the target group of its forward action. CodeDeploy shifts canary and linear traffic
 *   with a weighted forward action (ForwardConfig.TargetGroups, weights 0-999:
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroupTuple.html), so the live one
 *   is the pair member with the highest weight; a missing weight counts as 1 (ELB's default for a single target
 *   group, an assumption for DescribeListeners' output); a tie (a 50/50 step) resolves to blue. Both members of a tie
 *   have running tasks, so either answer sends no traffic to an empty target group.
 * - A listener that does not exist yet (first deploy, or a listener moving to a new port, as HTTP 80 -> HTTPS 443
 *   does): the target group the load balancer's other blue/green listeners agree on, or blue when there is none.
 *   If they disagree (a deployment is between test and production traffic), the lookup fails rather than guess.
 * A listener that forwards to neither member fails the lookup too: someone changed it by hand, and guessing could
 * move production traffic.
 */
export async function lookUpLiveTargetGroups(event: LookupEvent, deps: LookupDeps): Promise<LookupResponse> {
  const props = event.ResourceProperties;
  const physicalId = `${props.LoadBalancerArn}/live-target-groups`;
  // Nothing to clean up; the load balancer may already be gone.
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };

  const listeners = await describeListeners(props.LoadBalancerArn, deps);
  const pair = [props.BlueTargetGroupArn, props.GreenTargetGroupArn];
  const data: Record<string, string> = {};
  for (const listenerPort of props.Ports) {
    const listener = listeners.find((candidate) => candidate.Port === listenerPort);
    const live = listener ? servedTargetGroup(listener, pair) : targetGroupForNewListener(listeners, pair);
    if (!live) {
      throw new Error(
        `listener ${listener?.ListenerArn} on port ${listenerPort} forwards to neither ${props.BlueTargetGroupArn} ` +
          `nor ${props.GreenTargetGroupArn}; restore its default action to the target group that serves traffic ` +
          `(aws elbv2 describe-listeners --load-balancer-arn ${props.LoadBalancerArn}) and deploy again`,
      );
    }
    data[attributeForPort(listenerPort)] = live;
  }
  deps.logger.info('live target groups', { requestType: event.RequestType, liveTargetGroups: data });
  return { PhysicalResourceId: physicalId, Data: data };
}

/** The pair member a listener's forward action sends most traffic to, or undefined when it forwards to neither. */
export function servedTargetGroup(listener: Listener, pair: string[]): string | undefined {
  // An authenticate action may precede the forward; the forward action is the last one (ELB's action order).
  const forward = [...(listener.DefaultActions ?? [])].reverse().find((action) => action.Type === 'forward');
  if (!forward) return undefined;
  const weighted = weightedTargets(forward).filter((target) => pair.includes(target.arn));
  if (weighted.length === 0) return undefined;
  // Highest weight wins; on a tie, the earlier pair member (blue).
  weighted.sort((a, b) => b.weight - a.weight || pair.indexOf(a.arn) - pair.indexOf(b.arn));
  return weighted[0].arn;
}

function weightedTargets(forward: Action): { arn: string; weight: number }[] {
  const tuples = forward.ForwardConfig?.TargetGroups ?? [];
  if (tuples.length > 0) {
    return tuples.filter((t) => t.TargetGroupArn).map((t) => ({ arn: t.TargetGroupArn!, weight: t.Weight ?? 1 }));
  }
  return forward.TargetGroupArn ? [{ arn: forward.TargetGroupArn, weight: 1 }] : [];
}

function targetGroupForNewListener(listeners: Listener[], pair: string[]): string | undefined {
  const served = new Set(
    listeners.map((listener) => servedTargetGroup(listener, pair)).filter((arn) => arn !== undefined),
  );
  if (served.size === 0) return pair[0];
  if (served.size === 1) return [...served][0];
  throw new Error(
    `the load balancer's listeners forward to different target groups (${[...served].join(', ')}), as in the middle ` +
      'of a CodeDeploy deployment; a new listener cannot know which one serves production. Let the deployment ' +
      'finish or roll back, then deploy again',
  );
}

async function describeListeners(arn: string, deps: LookupDeps): Promise<Listener[]> {
  const listeners: Listener[] = [];
  let marker: string | undefined;
  do {
    // By load balancer, not by listener ARN: the listeners depend on this lookup, so their ARNs would be a cycle.
    const page = await withRetry(
      () => deps.elb.send(new DescribeListenersCommand({ LoadBalancerArn: arn, Marker: marker })),
      deps.retry,
    );
    listeners.push(...(page.Listeners ?? []));
    marker = page.NextMarker;
  } while (marker);
  return listeners;
}
