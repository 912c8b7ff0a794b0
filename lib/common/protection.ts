import { RemovalPolicy } from 'aws-cdk-lib';

/**
 * How stateful resources are treated when their stack or construct is removed. Prod retains and
 * protects; Dev can be torn down. Decided once, from config, passed to every construct that owns data.
 */
export interface DataProtection {
  /** Retain, deletion-protect and snapshot stateful resources. */
  readonly retain: boolean;
}

export function statefulRemovalPolicy(protection: DataProtection): RemovalPolicy {
  return protection.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
}

/** For databases: a final snapshot rather than plain retention, where the resource supports it. */
export function databaseRemovalPolicy(protection: DataProtection): RemovalPolicy {
  return protection.retain ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY;
}
