/**
 * The statistics the reports use: medians, and ratios taken within a round. Pure and
 * runtime-neutral. Void runs (any answer not 2xx) never enter a median or a ratio.
 *
 * @module
 */

/**
 * The median of `values`, without reordering them.
 *
 * @param values The numbers.
 * @returns The middle value, the mean of the two middle ones for an even count, `NaN` for none.
 * @example Usage
 * ```ts
 * median([3, 1, 2]); // 2
 * ```
 */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  if (sorted.length === 0) return NaN;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** What {@linkcode roundRatio} needs of a sample. */
export interface RoundSample {
  /** The server's name. */
  server: string;
  /** The workload's name. */
  workload: string;
  /** The round, from 0. */
  round: number;
  /** Whether any answer of the run was not 2xx. */
  void: boolean;
}

/**
 * The samples whose runs count: those with every answer 2xx.
 *
 * @param samples Every sample.
 * @returns The samples that are not void.
 */
export function countable<S extends RoundSample>(samples: readonly S[]): S[] {
  return samples.filter((s) => !s.void);
}

/**
 * The median over rounds of `a / b` on `figure`, each ratio taken within one round (the two runs
 * were minutes apart at most, so the machine's drift cancels). A round where either run is void
 * or missing is left out.
 *
 * @param samples Every sample of the bench.
 * @param workload The workload's name.
 * @param figure The figure compared, e.g. `"rps"`.
 * @param a The server in the numerator.
 * @param b The server in the denominator.
 * @returns The median ratio; `NaN` when no round has both.
 */
export function roundRatio<S extends RoundSample, K extends keyof S>(
  samples: readonly S[],
  workload: string,
  figure: K,
  a: string,
  b: string,
): number {
  const valid = countable(samples).filter((s) => s.workload === workload);
  const ratios: number[] = [];
  for (const x of valid.filter((s) => s.server === a)) {
    const y = valid.find((s) => s.server === b && s.round === x.round);
    if (y !== undefined) ratios.push(Number(x[figure]) / Number(y[figure]));
  }
  return median(ratios);
}
