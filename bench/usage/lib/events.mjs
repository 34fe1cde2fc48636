// The events the benchmark sends: one metric (`llm_tokens`, aggregation `sum` of the `tokens`
// property), unique event_ids, and a realistic properties map of the kind an API product reports.

export const metricCode = "llm_tokens"

const models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet", "llama-3-70b"]
const regions = ["eu-west-1", "us-east-1", "ap-southeast-2"]
const endpoints = ["/v1/chat/completions", "/v1/embeddings", "/v1/completions"]

// A small deterministic generator: every run sends the same bodies.
const lcg = (seed) => {
  let s = seed >>> 0
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32
}

/**
 * A batch source for one customer: `next(n)` returns `{ body, tokens }`, the JSON text of
 * `{"events": [...]}` with n events and the Σ tokens it adds. Event ids are `<prefix>-<seq>`.
 */
export const eventSource = (customer, prefix, seed = 1) => {
  const random = lcg(seed)
  const pick = (list) => list[Math.floor(random() * list.length)]
  let seq = 0
  return {
    next: (n) => {
      const events = new Array(n)
      let tokens = 0
      // One timestamp per batch, as a client flushing its buffer would send (ms precision).
      const timestamp = new Date().toISOString()
      for (let i = 0; i < n; i++) {
        const input = 20 + Math.floor(random() * 3000)
        const output = Math.floor(random() * 1000)
        tokens += input + output
        events[i] = {
          event_id: `${prefix}-${String(seq++).padStart(9, "0")}`,
          customer,
          code: metricCode,
          timestamp,
          properties: {
            tokens: input + output,
            input_tokens: input,
            output_tokens: output,
            model: pick(models),
            region: pick(regions),
            endpoint: pick(endpoints),
            user_id: `user_${Math.floor(random() * 5000)}`,
            request_id: `req_${Math.floor(random() * 2 ** 52).toString(36)}`
          }
        }
      }
      return { body: JSON.stringify({ events }), tokens }
    }
  }
}
