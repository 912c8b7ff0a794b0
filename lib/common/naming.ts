/**
 * The one place that decides physical names, so every resource of an environment is recognisable
 * (`orders-prod-archive`) and no two environments collide in a shared account.
 */
export class Naming {
  constructor(
    readonly serviceName: string,
    readonly environmentName: string,
  ) {}

  /** `orders-prod-<suffix>`, lowercase, for names AWS accepts with dashes. */
  resource(suffix: string): string {
    return `${this.serviceName}-${this.environmentName.toLowerCase()}-${suffix}`.toLowerCase();
  }

  /** `/orders/prod/<suffix>` for SSM parameters and secrets. */
  parameter(suffix: string): string {
    return `/${this.serviceName}/${this.environmentName.toLowerCase()}/${suffix}`;
  }

  /** CloudWatch namespace for the service's own metrics in this environment. */
  get metricNamespace(): string {
    return `Bulwark/${this.serviceName}`;
  }
}
