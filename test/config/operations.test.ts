import { ConfigError, incidentTargets, validateConfig } from '../../config';
import { defaultConfigInput } from '../helpers/app';

function problemsOf(change: (input: ReturnType<typeof defaultConfigInput>) => void): string[] {
  const input = defaultConfigInput();
  change(input);
  try {
    validateConfig(input);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}

describe('operations.severityMatrix', () => {
  test('defaults: P1 15 min / 4 h, P2 30 min / 8 h, P3 4 h / best effort, P4 24 h / best effort', () => {
    const matrix = validateConfig(defaultConfigInput()).operations.severityMatrix;
    expect([matrix.P1.respondMinutes, matrix.P1.resolveMinutes]).toEqual([15, 240]);
    expect([matrix.P2.respondMinutes, matrix.P2.resolveMinutes]).toEqual([30, 480]);
    expect([matrix.P3.respondMinutes, matrix.P3.resolveMinutes]).toEqual([240, undefined]);
    expect([matrix.P4.respondMinutes, matrix.P4.resolveMinutes]).toEqual([1440, undefined]);
    const statusPage = [matrix.P1.statusPage, matrix.P2.statusPage, matrix.P3.statusPage, matrix.P4.statusPage];
    expect(statusPage).toEqual([true, true, false, false]);
  });

  test('one severity can be overridden; the others keep their defaults', () => {
    const input = defaultConfigInput();
    input.operations = {
      severityMatrix: {
        P2: { meaning: 'Checkout is degraded', respondMinutes: 20, resolveMinutes: 360, statusPage: true },
      },
    };
    const matrix = validateConfig(input).operations.severityMatrix;
    expect(matrix.P2.respondMinutes).toBe(20);
    expect(matrix.P1.respondMinutes).toBe(15);
  });

  test('respond must be less than resolve, naming both fields', () => {
    const problems = problemsOf((input) => {
      input.operations = {
        severityMatrix: {
          P1: {
            meaning: 'Everything is down',
            respondMinutes: 300,
            resolveMinutes: 240,
            updateEveryMinutes: 30,
            statusPage: true,
          },
        },
      };
    });
    expect(problems).toContainEqual(
      expect.stringContaining(
        'operations.severityMatrix.P1.respondMinutes 300 is not less than ' +
          'operations.severityMatrix.P1.resolveMinutes 240',
      ),
    );
  });

  test('a less urgent severity may not be answered faster than a more urgent one', () => {
    const problems = problemsOf((input) => {
      input.operations = {
        severityMatrix: { P3: { meaning: 'Minor degradation', respondMinutes: 10, statusPage: false } },
      };
    });
    // P2 responds in 30 min by default, P3 now in 10.
    expect(problems).toContainEqual(
      expect.stringContaining(
        'operations.severityMatrix.P2.respondMinutes 30 is slower than operations.severityMatrix.P3.respondMinutes 10',
      ),
    );
  });

  test('P1 needs a resolve target, an update cadence and the status page; best effort is slowest', () => {
    const problems = problemsOf((input) => {
      input.operations = {
        severityMatrix: { P1: { meaning: 'Everything is down', respondMinutes: 15, statusPage: false } },
      };
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('operations.severityMatrix.P1.resolveMinutes (missing)'),
        expect.stringContaining('operations.severityMatrix.P1.updateEveryMinutes (missing)'),
        expect.stringContaining('operations.severityMatrix.P1.statusPage false'),
        expect.stringContaining(
          'operations.severityMatrix.P1.resolveMinutes (absent: best effort) is slower than ' +
            'operations.severityMatrix.P2.resolveMinutes 480',
        ),
      ]),
    );
  });

  test('schema errors name the field', () => {
    const problems = problemsOf((input) => {
      input.operations = {
        severityMatrix: { P2: { meaning: 'Checkout is degraded', respondMinutes: -5, statusPage: true } },
      };
    });
    expect(problems).toContainEqual(expect.stringMatching(/^operations\.severityMatrix\.P2\.respondMinutes -5: /));
  });

  test('incidentTargets: MTTA and MTTR targets in seconds; best effort has no MTTR target', () => {
    const matrix = validateConfig(defaultConfigInput()).operations.severityMatrix;
    expect(incidentTargets(matrix, 'P1')).toEqual({ acknowledgeSeconds: 900, resolveSeconds: 14400 });
    expect(incidentTargets(matrix, 'P2')).toEqual({ acknowledgeSeconds: 1800, resolveSeconds: 28800 });
    expect(incidentTargets(matrix, 'P3')).toEqual({ acknowledgeSeconds: 14400 });
  });
});
