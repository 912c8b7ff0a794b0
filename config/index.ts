export * from './schema';
export * from './tiers';
export * from './validate';
export * from './recovery-model';
export * from './load';
export * from './operations';
