/**
 * What a server's process tree costs, read from Linux's `/proc`: CPU seconds (`utime + stime`)
 * and resident memory, summed over the process and its descendants (a runtime may start helper
 * processes; `node_modules/.bin/bun` may be a wrapper).
 *
 * @module
 */

/** Clock ticks per second, the unit of `/proc/PID/stat`'s times (100 when getconf fails). */
const CLK_TCK = _clockTicks();

/**
 * CPU time of process `pid` and its descendants so far.
 *
 * @param pid The root of the tree.
 * @returns `utime + stime`, in seconds; processes that ended meanwhile count as 0.
 */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of _treePids(pid)) {
    const stat = _readOrNull(`/proc/${p}/stat`);
    if (stat === null) continue;
    // After the command name (which may hold spaces), proc(5)'s fields 14 and 15 are 11 and 12.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLK_TCK;
}

/**
 * Resident set size of process `pid` and its descendants.
 *
 * @param pid The root of the tree.
 * @returns The sum of their `VmRSS`, in MiB.
 */
export function rssMiB(pid: number): number {
  let kb = 0;
  for (const p of _treePids(pid)) {
    const match = /VmRSS:\s+(\d+) kB/.exec(_readOrNull(`/proc/${p}/status`) ?? "");
    if (match) kb += Number(match[1]);
  }
  return kb / 1024;
}

function _treePids(pid: number): number[] {
  const pids = [pid];
  try {
    for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
      const children = _readOrNull(`/proc/${pid}/task/${task.name}/children`)?.trim() ?? "";
      for (const child of children ? children.split(" ") : []) pids.push(..._treePids(Number(child)));
    }
  } catch {
    // the process ended
  }
  return pids;
}

function _readOrNull(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null; // the process ended
  }
}

function _clockTicks(): number {
  try {
    const out = new Deno.Command("getconf", { args: ["CLK_TCK"] }).outputSync();
    return Number(new TextDecoder().decode(out.stdout)) || 100;
  } catch {
    return 100;
  }
}
