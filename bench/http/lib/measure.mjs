// One autocannon measurement: a discarded warm-up (JIT, caches, SQLite page cache) then the run.
import autocannon from "autocannon"

const fire = (options) =>
  new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)))
  })

export const measure = async ({ url, headers, connections, warmupSeconds, seconds }) => {
  await fire({ url, headers, connections, duration: warmupSeconds })
  const startedMicros = process.hrtime.bigint() / 1000n
  const result = await fire({ url, headers, connections, duration: seconds })
  // Same monotonic clock as a child's --cpu-prof timestamps, so a profile can be cut to this run.
  const window = { from: Number(startedMicros), to: Number(process.hrtime.bigint() / 1000n) }
  return {
    requests_per_second: Math.round(result.requests.average),
    latency_ms: { p50: result.latency.p50, p99: result.latency.p99, mean: result.latency.average },
    requests: result.requests.total,
    // Anything but 200 (a 429 from the rate limiter, say) would make the figures meaningless.
    non_2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    window
  }
}
