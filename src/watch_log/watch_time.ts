/**
 * Watch time: what a viewing's requests say of the seconds a viewer watched. Pure: the writer
 * keeps a {@linkcode ViewingTime} per viewing and turns it into figures and the summary tables'
 * counts with {@linkcode contributionOf}.
 *
 * A server sees requests, not a playhead. Bytes delivered include what a player buffered ahead
 * and never played (on a fast link Chromium fetches a whole film in seconds), so the seconds
 * *reached* are what the requests show: requests in start order form runs; a request continues
 * its run when it starts where the run's bytes end (reading ahead) or no further than the
 * playhead could be (the run's start plus the wall-clock time since, at normal speed); any
 * other start is a seek and opens a new run. A run started at media time `s` at wall time `w`
 * reached no further than its bytes went, nor than `s + (t - w)`, where `t` is when the next run
 * started, or when its last request ended. What a player plays from its buffer after its last
 * request is invisible to the server: the seconds reached are then less than those watched,
 * and the seconds buffered (what the bytes covered) more.
 *
 * @module
 */

/** One response's media time: the start and end seconds it covered, its start and end wall-clock time (ms). */
export type TimedResponse = [start: number, end: number, startedAt: number, endedAt: number];

/** What a viewing's requests said of its media time, as its row stores it (JSON). */
export interface ViewingTime {
  /** The media's length in seconds (the latest request's). */
  duration: number;
  /** Seconds the delivered bytes covered: merged intervals. */
  buffered: [number, number][];
  /** The timed responses, by start time; the oldest runs fold into `frozen` past a bound. */
  responses: TimedResponse[];
  /** Seconds reached by runs folded away: merged intervals. */
  frozen: [number, number][];
  /** Where the seeks among the folded runs landed, in seconds. */
  frozenSeeks: number[];
  /** How many runs were folded. */
  foldedRuns: number;
}

/** One request's media time, as the writer hands it over. */
export interface TimedRequest {
  duration: number;
  /** Seconds covered, sorted and disjoint, non-empty. */
  seconds: readonly (readonly [number, number])[];
  startedAt: number;
  endedAt: number;
}

/** What one viewing adds to its video's figures. */
export interface Contribution {
  watchedSeconds: number;
  bufferedSeconds: number;
  completed: boolean;
  seeks: number;
  /** Where the viewer was last (the end of the last run's reach). */
  lastPosition: number;
  /** Whether it reached the middle of each of the {@linkcode RETENTION_PARTS} parts. */
  reached: Uint8Array;
  /** Seeks that landed in each part. */
  seekParts: Uint32Array;
}

/** Parts of a video the retention curve and the seek targets count in: one per 1 %. */
export const RETENTION_PARTS = 100;
/** Share of the duration a viewing must reach to count as completed. */
export const COMPLETION_POINT = 0.95;
/** A request starting this many seconds past the run's media still continues it. */
const JOIN_SECONDS = 1;
/** Responses kept per viewing before the oldest runs fold into `frozen`. */
const MAX_RESPONSES = 1000;

/** The time of a viewing with no timed request yet. */
export function emptyViewingTime(duration: number): ViewingTime {
  return { duration, buffered: [], responses: [], frozen: [], frozenSeeks: [], foldedRuns: 0 };
}

/**
 * Adds one timed request to a viewing's time, in place.
 *
 * @param time The viewing's time.
 * @param request The request's media time.
 * @returns `time`.
 */
export function addTimedRequest(time: ViewingTime, request: TimedRequest): ViewingTime {
  time.duration = request.duration;
  for (const interval of request.seconds) addSeconds(time.buffered, [interval[0], interval[1]]);
  const first = request.seconds[0][0];
  const last = request.seconds[request.seconds.length - 1][1];
  const response: TimedResponse = [first, last, request.startedAt, request.endedAt];
  const at = insertionPoint(time.responses, response);
  time.responses.splice(at, 0, response);
  if (time.responses.length > MAX_RESPONSES) {
    compactRuns(time);
    // a viewing of hundreds of seeks: its oldest runs keep only their figures
    if (time.responses.length > MAX_RESPONSES / 2) foldOldestRuns(time);
  }
  return time;
}

/**
 * What a viewing adds to its video's figures: seconds reached and buffered, completion, seeks,
 * and the parts reached.
 *
 * @param time The viewing's time.
 * @returns Its contribution.
 */
export function contributionOf(time: ViewingTime): Contribution {
  const runs = runsOf(time.responses);
  const watched = [...time.frozen.map((i): [number, number] => [i[0], i[1]])];
  for (const run of runs) addSeconds(watched, [run.start, reachOf(run)]);
  // every run but the viewing's very first started with a seek
  const seekTargets = [
    ...time.frozenSeeks,
    ...runs.slice(time.foldedRuns > 0 ? 0 : 1).map((run) => run.start),
  ];
  const lastRun = runs[runs.length - 1];
  return {
    watchedSeconds: totalSeconds(watched),
    bufferedSeconds: totalSeconds(time.buffered),
    completed: contains(watched, COMPLETION_POINT * time.duration),
    seeks: seekTargets.length,
    lastPosition: lastRun === undefined ? lastEnd(time.frozen) : reachOf(lastRun),
    reached: partsReached(watched, time.duration),
    seekParts: partsOf(seekTargets, time.duration),
  };
}

/**
 * The seconds a viewing reached, as merged intervals.
 *
 * @param time The viewing's time.
 * @returns The intervals.
 */
export function reachedSeconds(time: ViewingTime): [number, number][] {
  const watched = time.frozen.map((i): [number, number] => [i[0], i[1]]);
  for (const run of runsOf(time.responses)) addSeconds(watched, [run.start, reachOf(run)]);
  return watched;
}

/**
 * Reads a stored viewing time, or `null` when the cell is empty or damaged (a damaged cell must
 * not stop the writer: the viewing goes on from nothing).
 */
export function parseViewingTime(text: unknown): ViewingTime | null {
  if (typeof text !== "string" || text === "") return null;
  try {
    const value = JSON.parse(text);
    if (!(value?.duration > 0) || !Array.isArray(value.responses) || !Array.isArray(value.buffered)) {
      return null;
    }
    return {
      duration: Number(value.duration),
      buffered: value.buffered,
      responses: value.responses,
      frozen: Array.isArray(value.frozen) ? value.frozen : [],
      frozenSeeks: Array.isArray(value.frozenSeeks) ? value.frozenSeeks : [],
      foldedRuns: Number(value.foldedRuns) || 0,
    };
  } catch {
    return null;
  }
}

/** A run of requests: where it started in media and in wall time, how far its bytes went. */
interface Run {
  /** Index of its first response. */
  first: number;
  start: number;
  end: number;
  startedAt: number;
  /** The end of its request that ended last. */
  endedAt: number;
  /** When the next run started, or `null` for the last. */
  closedAt: number | null;
}

/** The runs of responses in start order. */
function runsOf(responses: readonly TimedResponse[]): Run[] {
  const runs: Run[] = [];
  for (let i = 0; i < responses.length; i++) {
    const [start, end, startedAt, endedAt] = responses[i];
    const run = runs[runs.length - 1];
    if (run !== undefined && continues(run, start, startedAt)) {
      run.end = Math.max(run.end, end);
      run.endedAt = Math.max(run.endedAt, endedAt);
      continue;
    }
    if (run !== undefined) run.closedAt = startedAt;
    runs.push({ first: i, start, end, startedAt, endedAt, closedAt: null });
  }
  return runs;
}

/** Whether a request starting at media time `start`, wall time `startedAt`, continues `run`. */
function continues(run: Run, start: number, startedAt: number): boolean {
  if (start < run.start) return false; // back before the run: a seek back
  const readsAhead = Math.abs(start - run.end) <= JOIN_SECONDS;
  const playhead = run.start + Math.max(0, startedAt - run.startedAt) / 1000;
  return readsAhead || start <= playhead + JOIN_SECONDS;
}

/** How far a run reached: see the module's notes. */
function reachOf(run: Run): number {
  const until = run.closedAt ?? run.endedAt;
  return Math.min(run.end, run.start + Math.max(0, until - run.startedAt) / 1000);
}

/**
 * Replaces each run's responses by one with the same figures: its start, the end its bytes
 * reached, its start time, and the end of its request that ended last.
 */
function compactRuns(time: ViewingTime): void {
  time.responses = runsOf(time.responses).map((run): TimedResponse => [
    run.start,
    run.end,
    run.startedAt,
    run.endedAt,
  ]);
}

/** Folds the oldest whole runs (about half the responses) into `frozen`, keeping the last run. */
function foldOldestRuns(time: ViewingTime): void {
  const runs = runsOf(time.responses);
  let folded = 0; // responses of the runs folded so far
  for (let n = 0; n < runs.length - 1 && folded < MAX_RESPONSES / 2; n++) {
    addSeconds(time.frozen, [runs[n].start, reachOf(runs[n])]);
    if (time.foldedRuns > 0) time.frozenSeeks.push(runs[n].start);
    time.foldedRuns++;
    folded = runs[n + 1].first;
  }
  time.responses.splice(0, folded);
}

/** Where `response` goes among responses sorted by start time (after equal ones). */
function insertionPoint(responses: readonly TimedResponse[], response: TimedResponse): number {
  let low = 0;
  let high = responses.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const other = responses[middle];
    if (other[2] < response[2] || (other[2] === response[2] && other[0] <= response[0])) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Adds `[start, end]` to sorted, disjoint intervals in place, merging overlapping ones. */
function addSeconds(intervals: [number, number][], [start, end]: [number, number]): void {
  if (!(end > start)) return;
  let i = 0;
  while (i < intervals.length && intervals[i][1] < start) i++;
  let j = i;
  while (j < intervals.length && intervals[j][0] <= end) {
    start = Math.min(start, intervals[j][0]);
    end = Math.max(end, intervals[j][1]);
    j++;
  }
  intervals.splice(i, j - i, [start, end]);
}

function totalSeconds(intervals: readonly (readonly [number, number])[]): number {
  let total = 0;
  for (const [start, end] of intervals) total += end - start;
  return total;
}

function contains(intervals: readonly (readonly [number, number])[], point: number): boolean {
  return intervals.some(([start, end]) => start <= point && point <= end);
}

function lastEnd(intervals: readonly (readonly [number, number])[]): number {
  return intervals.length === 0 ? 0 : intervals[intervals.length - 1][1];
}

/** Whether the intervals hold the middle of each part. */
function partsReached(intervals: readonly (readonly [number, number])[], duration: number): Uint8Array {
  const reached = new Uint8Array(RETENTION_PARTS);
  const width = duration / RETENTION_PARTS;
  for (const [start, end] of intervals) {
    const first = Math.max(0, Math.ceil(start / width - 0.5));
    const last = Math.min(RETENTION_PARTS - 1, Math.floor(end / width - 0.5));
    for (let part = first; part <= last; part++) reached[part] = 1;
  }
  return reached;
}

/** How many of `times` fall in each part. */
function partsOf(times: readonly number[], duration: number): Uint32Array {
  const counts = new Uint32Array(RETENTION_PARTS);
  for (const time of times) {
    const part = Math.floor((time / duration) * RETENTION_PARTS);
    counts[Math.min(RETENTION_PARTS - 1, Math.max(0, Number.isFinite(part) ? part : 0))]++;
  }
  return counts;
}
