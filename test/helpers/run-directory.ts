/**
 * The variable naming the jest run's own directory, which test/helpers/global-setup.ts makes and global-teardown.ts
 * removes (shared assemblies and results, the run's moto servers). It is shared-assembly.ts's SHARED_ASSEMBLIES_ENV,
 * spelled out here (shared-result.test.ts checks they agree) because importing that module loads aws-cdk-lib and the
 * whole app: about 1 s of CPU that the run's setup, its teardown and a moto test file need not pay.
 */
export const RUN_DIRECTORY_ENV = 'BULWARK_SHARED_ASSEMBLIES';
