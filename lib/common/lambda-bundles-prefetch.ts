import { prefetchLambdaBundles } from './lambda-bundles';

/**
 * Imported first by bin/app.ts, so that bundling the Lambdas starts on a worker thread before the app loads
 * aws-cdk-lib and its own modules (imports run in order, before any statement of the importing file).
 */
prefetchLambdaBundles();
