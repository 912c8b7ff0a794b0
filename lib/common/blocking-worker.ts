import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'worker_threads';

/**
 * A worker thread whose answer the main thread takes synchronously: what a CDK validation plugin or construct needs
 * from work started earlier, since neither gets the event loop back before it must return.
 *
 * How: the worker's source may call `answerWith(answer)` (defined for it here), which posts the answer on a port and
 * then sets a shared flag; `takeAnswer()` blocks on the flag with `Atomics.wait` and takes the answer with
 * `receiveMessageOnPort`, neither of which needs the event loop
 * (https://nodejs.org/api/worker_threads.html#workerreceivemessageonportport). Messages the main thread `post()`s
 * arrive on the worker's `workerData.port`. The worker is unref'd: a process that exits first (a failed synth, a
 * config error) is not kept alive by it. Used by the CloudFormation validation worker and the Lambda bundle prefetch.
 */
export class BlockingWorker<Answer> {
  private readonly signal = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  private readonly answers: MessagePort;
  private readonly worker: Worker;

  /**
   * @param source plain CommonJS evaluated in the worker (no TypeScript loader unless it loads one)
   * @param workerData what the worker reads from `workerData`, beside the `port` and `signal` added here
   * @param execArgv the worker's Node options; @default the process's own
   */
  constructor(source: string, workerData: Record<string, unknown>, execArgv?: string[]) {
    const { port1, port2 } = new MessageChannel();
    this.answers = port1;
    this.worker = new Worker(`${ANSWER_WITH_SOURCE}\n${source}`, {
      eval: true,
      ...(execArgv ? { execArgv } : {}),
      workerData: { ...workerData, port: port2, signal: this.signal },
      transferList: [port2],
    });
    this.worker.unref();
    this.answers.unref();
    // A worker that fails to start at all reports through this event; the flag then never sets, and the wait's
    // timeout ends it. Listening keeps the failure from becoming an uncaught exception of the process.
    this.worker.on('error', () => undefined);
  }

  /** Sends the worker a message (it arrives on `workerData.port`); returns at once. */
  post(message: unknown): void {
    this.answers.postMessage(message);
  }

  /**
   * Blocks until the worker answers or `timeoutMs` passes, then ends the worker. `answer` is undefined when it
   * timed out, or when the worker ended without answering (`timedOut` false).
   */
  takeAnswer(timeoutMs: number): { readonly answer?: Answer; readonly timedOut: boolean } {
    const waited = Atomics.wait(this.signal, 0, 0, timeoutMs);
    const answer = receiveMessageOnPort(this.answers)?.message as Answer | undefined;
    this.end();
    return { answer, timedOut: waited === 'timed-out' };
  }

  /** Ends the worker without waiting for an answer. */
  end(): void {
    this.answers.close();
    void this.worker.terminate();
  }
}

const ANSWER_WITH_SOURCE = `
function answerWith(answer) {
  const { port, signal } = require('worker_threads').workerData;
  port.postMessage(answer);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}`;
