#!/usr/bin/env node
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../config';
import { generatedBlocks, renderGuide } from '../lib/docs/operations-docs';

/**
 * `npm run docs`: rewrite the generated tables of docs/on-call.md and docs/communications.md from the config.
 * `--check` changes nothing and exits 1 when a guide differs from what the config says.
 */
const program = new Command('docs')
  .description("Rewrite the people's guides' generated tables (severity matrix, pages, cadence) from the config")
  .option('--config <file>', 'configuration to read', DEFAULT_CONFIG_PATH)
  .option('--check', 'report guides that differ from the config, change nothing, exit 1 if any')
  .action((opts: { config: string; check?: boolean }) => {
    try {
      const root = path.join(__dirname, '..');
      const stale: string[] = [];
      for (const [file, blocks] of Object.entries(generatedBlocks(loadConfig(opts.config)))) {
        const full = path.join(root, file);
        const current = fs.readFileSync(full, 'utf8');
        const rendered = renderGuide(current, file, blocks);
        if (rendered === current) continue;
        stale.push(file);
        if (!opts.check) fs.writeFileSync(full, rendered);
      }
      const verb = opts.check ? 'differs from the config (run npm run docs)' : 'rewritten';
      const lines = stale.map((f) => `${f}: ${verb}\n`).join('');
      process.stdout.write(stale.length === 0 ? 'docs match the config\n' : lines);
      process.exitCode = opts.check && stale.length > 0 ? 1 : 0;
    } catch (error) {
      const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
      process.stderr.write(`${message}\n`);
      process.exitCode = 2;
    }
  });

program.parse();
