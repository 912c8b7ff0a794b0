import { Annotations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { JourneyConfig } from '../../config';

/** Environment variable of the canary and the smoke check: the TLS server name and Host they send. */
export const SERVICE_HOSTNAME_VARIABLE = 'SERVICE_HOSTNAME';

export interface ProbeJourneysProps {
  /** The service's journeys. */
  readonly journeys: readonly JourneyConfig[];
  /**
   * The name the probe sends as TLS server name (SNI) and Host, and verifies the certificate against; set exactly
   * when the endpoint is HTTPS. @default none: the endpoint is plain HTTP
   */
  readonly serviceHostname?: string;
  /** Who probes, for the warning: `Dev canary`, `Prod smoke check`. */
  readonly probe: string;
  /** The config field whose absence made the endpoint plain HTTP, for the warning's fix. */
  readonly certificateField: string;
}

/**
 * The journeys a probe of an endpoint may walk. A bearer token must never cross a network in clear text, so
 * against a plain-HTTP endpoint the authenticated journeys are left out, with a synth warning that names the
 * fix; the journey runner refuses such a request as well (lambdas/shared/journeys.ts), in case one slips through.
 */
export function probeJourneys(scope: Construct, props: ProbeJourneysProps): JourneyConfig[] {
  if (props.serviceHostname !== undefined) return [...props.journeys];
  const skipped = props.journeys.filter((journey) => journey.authenticated).map((journey) => journey.name);
  if (skipped.length > 0) {
    Annotations.of(scope).addWarningV2(
      'bulwark:probe-authenticated-journeys-skipped',
      `The ${props.probe} does not walk ${skipped.join(', ')}: the endpoint is plain HTTP and a bearer token never ` +
        `travels in clear text. Set ${props.certificateField} (an ACM certificate covering the service domain) ` +
        'to probe them.',
    );
  }
  const safe = props.journeys.filter((journey) => !journey.authenticated);
  if (safe.length === 0) {
    scope.node.addValidation({
      validate: () => [
        `The ${props.probe} would walk no journey: all of them are authenticated and the endpoint is plain HTTP; ` +
          `set ${props.certificateField}`,
      ],
    });
  }
  return safe;
}
