import * as fs from 'fs';
import * as path from 'path';
import { validateConfig } from '../../config';
import { generatedBlocks, renderGuide, replaceGeneratedBlock } from '../../lib/docs/operations-docs';
import { defaultConfig, defaultConfigInput } from '../helpers/app';

const root = path.join(__dirname, '..', '..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

describe("the people's guides restate the config, never a copy that drifts", () => {
  const guides = Object.entries(generatedBlocks(defaultConfig()));
  test.each(guides)('%s matches the config (else run npm run docs)', (file, blocks) => {
    const committed = read(file);
    expect(renderGuide(committed, file, blocks)).toBe(committed);
  });

  test('the on-call severity matrix reads the default practice', () => {
    const onCall = read('docs/on-call.md');
    expect(onCall).toContain('| P1 | The service is down or losing data for all users | 15 min | 4 h | 30 min | yes |');
    expect(onCall).toContain(
      '| P2 | A major feature is unavailable or degraded for many users | 30 min | 8 h | 1 h | yes |',
    );
    expect(onCall).toMatch(/\| P3 \| [^|]+ \| 4 h \| best effort \| at each change of phase \| no \|/);
    expect(onCall).toMatch(/\| P4 \| [^|]+ \| 1 d \| best effort \| at each change of phase \| no \|/);
  });

  test("the pages table names each environment's topics and who they page", () => {
    const onCall = read('docs/on-call.md');
    expect(onCall).toContain(
      '| Prod | P1 | `orders-prod-alerts-p1` | oncall@example.com | ' +
        'kill switch (turns on the switches its alarm names); incident recorder (opens an incident) |',
    );
    expect(onCall).toContain('| Prod | P3 | `orders-prod-alerts-p3` | nobody subscribed: add `notifications.P3` | - |');
    expect(onCall).toContain('| Pipeline | P3 | `orders-pipeline-alerts-p3` |');
  });

  test('communications: status page within the respond time, updates at the matrix cadence', () => {
    const communications = read('docs/communications.md');
    expect(communications).toContain('| P1 | within 15 min of the page (Investigating) | 30 min | every 30 min |');
    expect(communications).toContain('| P3 | no | at each change of phase | - |');
  });

  test('a changed matrix makes the committed guide stale', () => {
    const input = defaultConfigInput();
    input.operations = {
      severityMatrix: {
        P1: {
          meaning: 'The service is down or losing data for all users',
          respondMinutes: 10,
          resolveMinutes: 240,
          updateEveryMinutes: 30,
          statusPage: true,
        },
      },
    };
    const blocks = generatedBlocks(validateConfig(input))['docs/on-call.md'];
    const committed = read('docs/on-call.md');
    const rendered = renderGuide(committed, 'docs/on-call.md', blocks);
    expect(rendered).not.toBe(committed);
    expect(rendered).toContain(
      '| P1 | The service is down or losing data for all users | 10 min | 4 h | 30 min | yes |',
    );
  });

  test('a guide without its markers is an error naming the file and the block', () => {
    expect(() => replaceGeneratedBlock('# On call\n', 'pages', 'x', 'docs/on-call.md')).toThrow(
      'docs/on-call.md: the generated block "pages" needs its markers once each, in order:',
    );
  });
});
