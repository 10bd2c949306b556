import type { CallTarget } from '../common/vocabulary.js';

export type { CallTarget };

export interface ActiveCall {
  extensionId: string;
  number: string;
  callUuid: string;
  presenceId: string | null;
  state: string;
  node: string;
}

/**
 * `ok`: every node answered, `calls` are the targets' live calls (maybe none). `unknown`: some
 * node did not answer in time, or answered nonsense; callers treat that as busy (fail closed).
 */
export type ProbeAnswer = { status: 'ok'; calls: ActiveCall[] } | { status: 'unknown'; reason: string };

/** One FreeSWITCH node as the probe sees it now: answering, or why not. */
export interface NodeState {
  node: string;
  status: 'ok' | 'down';
  detail: string;
}

export interface ActiveCallProbe {
  readonly method: 'esl' | 'xmlrpc' | 'rest' | 'none';
  findCalls(targets: CallTarget[]): Promise<ProbeAnswer>;
  /** Asks each node now (for the health view); absent where the probe has no nodes of its own to ask. */
  nodes?(): Promise<NodeState[]>;
}

/** The probe of a process that deletes nothing (a worker): it can never say an extension is idle. */
export const NO_PROBE: ActiveCallProbe = {
  method: 'none',
  findCalls: async () => ({ status: 'unknown', reason: 'this process has no active-call probe' }),
};

/** Runs a call with a deadline; the `onTimeout` hook releases what the call holds. */
export async function withDeadline<T>(ms: number, what: string, call: Promise<T>, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new Error(`${what} did not answer within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([call, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
