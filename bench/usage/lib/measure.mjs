// Timing, percentiles, and what the process and the machine did during a phase.
import { readFileSync } from "node:fs"

export const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]

export const summarise = (durationsMs) => {
  const sorted = [...durationsMs].sort((a, b) => a - b)
  const round = (x) => Math.round(x * 100) / 100
  return {
    n: sorted.length,
    p50_ms: round(percentile(sorted, 50)),
    p95_ms: round(percentile(sorted, 95)),
    p99_ms: round(percentile(sorted, 99)),
    max_ms: round(sorted[sorted.length - 1]),
    mean_ms: round(sorted.reduce((a, b) => a + b, 0) / sorted.length)
  }
}

/** Busy and total jiffies of the whole machine (/proc/stat), to tell how loaded it was. */
const machineTicks = () => {
  try {
    const [, ...fields] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/)
    const n = fields.map(Number)
    const idle = n[3] + (n[4] ?? 0)
    const total = n.reduce((a, b) => a + b, 0)
    return { busy: total - idle, total }
  } catch {
    return undefined
  }
}

/**
 * Runs `fn` and reports, besides its result: wall time, this process's CPU time (as a share of
 * one core), the whole machine's busy share (both cores; the rest of it is the database server
 * and anything else running), and the peak RSS sampled every 20 ms.
 */
export const observe = async (fn) => {
  let peak = process.memoryUsage().rss
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20)
  const cpu = process.cpuUsage()
  const ticks = machineTicks()
  const began = performance.now()
  const result = await fn()
  const wallMs = performance.now() - began
  clearInterval(sampler)
  peak = Math.max(peak, process.memoryUsage().rss)
  const used = process.cpuUsage(cpu)
  const after = machineTicks()
  const busy = ticks && after ? (after.busy - ticks.busy) / Math.max(1, after.total - ticks.total) : undefined
  return {
    result,
    wallMs,
    process: {
      cpu_share_of_one_core: Math.round(((used.user + used.system) / 1000 / wallMs) * 100) / 100,
      peak_rss_mb: Math.round(peak / 2 ** 20)
    },
    machine_busy_share: busy === undefined ? undefined : Math.round(busy * 100) / 100
  }
}
