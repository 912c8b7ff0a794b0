'use strict';
/**
 * The TypeScript loader of cdk.json's app command (`node --require ./bin/load-typescript.js bin/app.ts`): tsx's
 * CommonJS hook for the project's own files, Node's own loader for the packages in node_modules.
 *
 * Why: tsx's hook reads every `.js` file required through it and, when its text contains "import" or "export" (every
 * CommonJS file tsc wrote: `exports.`), lexes it for ES module syntax before it compiles it (tsx 4.23, dist/
 * register-*.cjs `isESM`; the lexer's WebAssembly build loads asynchronously, so a synchronous app start gets its
 * asm.js fallback). For aws-cdk-lib's hundreds of modules that was about 0.4-0.5 s of the main thread on every synth
 * (docs/performance.md, round 8). Node loads the packages as they are: CommonJS, and since Node 20.19 an ES module
 * too (https://nodejs.org/api/modules.html#loading-ecmascript-modules-using-require).
 */
const Module = require('module');

const nodeJavaScript = Module._extensions['.js'];
require('tsx/cjs');
const tsxJavaScript = Module._extensions['.js'];

Module._extensions['.js'] = function loadJavaScript(module, filename) {
  const inPackage = filename.split(/[\\/]/).includes('node_modules');
  return (inPackage ? nodeJavaScript : tsxJavaScript).call(this, module, filename);
};
