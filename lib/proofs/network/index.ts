/**
 * Network path proofs: the declared traffic flows of the deployed system, evaluated on the synthesized templates
 * (routes, the source address the destination sees, security groups, network ACLs). See DECLARED_FLOWS.
 */
export { checkNetworkPaths, DECLARED_FLOWS, PathResult, PathStatus } from './flows';
export { formatPathTable } from './table';
