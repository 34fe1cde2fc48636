/**
 * A cookie-keeping HTTP client for the dashboard: what a browser does with its cookies and forms,
 * without a browser, so the session and CSRF rules can be tested exactly.
 */
export interface DashboardClient {
  readonly get: (path: string, headers?: Record<string, string>) => Promise<{ status: number; location: string | null; text: string; setCookies: ReadonlyArray<string> }>
  readonly post: (path: string, form: Record<string, string>, headers?: Record<string, string>) => Promise<{ status: number; location: string | null; text: string; setCookies: ReadonlyArray<string> }>
  /** The `csrf` hidden field of the last page this client read. */
  readonly csrf: () => string
  readonly signIn: (credentials: { key?: string; password?: string }) => Promise<{ status: number; location: string | null; text: string }>
  readonly cookies: Map<string, string>
}

export const dashboardClient = (url: string): DashboardClient => {
  const cookies = new Map<string, string>()
  let lastPage = ""
  const send = async (path: string, init: RequestInit & { headers?: Record<string, string> }) => {
    const cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join("; ")
    const response = await fetch(`${url}${path}`, {
      ...init,
      redirect: "manual",
      headers: { ...(cookie === "" ? {} : { cookie }), ...init.headers }
    })
    const setCookies = response.headers.getSetCookie()
    for (const line of setCookies) {
      const [pair] = line.split(";")
      const at = pair!.indexOf("=")
      const name = pair!.slice(0, at)
      const value = pair!.slice(at + 1)
      if (value === "" || /max-age=0/i.test(line)) cookies.delete(name)
      else cookies.set(name, value)
    }
    const text = await response.text()
    lastPage = text
    return { status: response.status, location: response.headers.get("location"), text, setCookies }
  }
  const csrf = () => /name="csrf" value="([^"]+)"/.exec(lastPage)?.[1] ?? ""
  const client: DashboardClient = {
    cookies,
    csrf,
    get: (path, headers = {}) => send(path, { method: "GET", headers }),
    post: (path, form, headers = {}) =>
      send(path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams(form).toString() }),
    signIn: async (credentials) => {
      await client.get("/dashboard/sign-in")
      return client.post("/dashboard/sign-in", { csrf: csrf(), key: credentials.key ?? "", password: credentials.password ?? "" })
    }
  }
  return client
}

/** The visible text of a page's main landmark, whitespace collapsed: what assertions read. */
export const mainText = (page: string): string =>
  (/<main[\s\S]*?<\/main>/.exec(page)?.[0] ?? "")
    .replace(/<script[\s\S]*?<\/script>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
