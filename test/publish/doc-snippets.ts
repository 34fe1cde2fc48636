/**
 * The code blocks of the docs that are marked runnable (docs/testing.md, "The docs' own
 * snippets"): a fence info string `ts runnable` (an ES module in TypeScript), `js runnable=cjs`
 * (a CommonJS program, run by Node as is), and `file=<path>` to make a block one file of an app
 * (all the `file=` blocks of one page together, e.g. a Next.js app). Unmarked blocks are not run.
 */
import { readFileSync } from "node:fs"
import { basename, join } from "node:path"

export interface Block {
  /** e.g. `docs/frameworks/express.md:12` (the line of the opening fence), for test names. */
  readonly where: string
  readonly kind: "esm" | "cjs"
  readonly file: string | undefined
  readonly code: string
}

/** A program the test starts: one block on its own, or a page's `file=` blocks together. */
export type Program =
  | { readonly where: string; readonly kind: "esm" | "cjs"; readonly code: string; readonly app?: undefined }
  | { readonly where: string; readonly kind: "app"; readonly app: string; readonly files: ReadonlyArray<Block> }

const fence = /^```(\S*)(.*)$/

/** Every runnable block of a markdown file. An unknown attribute value is an error, not a skip. */
export const runnableBlocks = (root: string, doc: string): ReadonlyArray<Block> => {
  const lines = readFileSync(join(root, doc), "utf8").split("\n")
  const blocks: Array<Block> = []
  for (let i = 0; i < lines.length; i++) {
    const open = fence.exec(lines[i]!)
    if (open === null) continue
    const end = lines.findIndex((line, j) => j > i && line.trimEnd() === "```")
    if (end === -1) throw new Error(`${doc}:${i + 1}: unclosed code block`)
    const attributes = new Map(
      open[2]!.trim().split(/\s+/).filter(Boolean).map((pair) => {
        const [key, value] = pair.split("=", 2) as [string, string | undefined]
        return [key, value] as const
      })
    )
    const where = `${doc}:${i + 1}`
    const code = lines.slice(i + 1, end).join("\n") + "\n"
    i = end
    if (!attributes.has("runnable")) continue
    const lang = open[1]
    const runnable = attributes.get("runnable")
    const kind = runnable === undefined || runnable === "esm" ? "esm" : runnable === "cjs" ? "cjs" : undefined
    if (kind === undefined) throw new Error(`${where}: runnable=${runnable}: expected runnable, runnable=esm or runnable=cjs`)
    if (kind === "esm" && lang !== "ts") throw new Error(`${where}: an ES module snippet is \`\`\`ts runnable`)
    if (kind === "cjs" && lang !== "js") throw new Error(`${where}: a CommonJS snippet is \`\`\`js runnable=cjs`)
    const unknown = [...attributes.keys()].filter((key) => key !== "runnable" && key !== "file")
    if (unknown.length > 0) throw new Error(`${where}: unknown attribute ${unknown.join(", ")}`)
    blocks.push({ where, kind, file: attributes.get("file"), code })
  }
  return blocks
}

/** The programs of a page: each block without `file=` alone, the `file=` blocks as one app. */
export const programsOf = (root: string, doc: string): ReadonlyArray<Program> => {
  const blocks = runnableBlocks(root, doc)
  const files = blocks.filter((block) => block.file !== undefined)
  const alone: Array<Program> = blocks
    .filter((block) => block.file === undefined)
    .map((block) => ({ where: block.where, kind: block.kind, code: block.code }))
  if (files.length === 0) return alone
  if (files.some((block) => block.kind !== "esm")) throw new Error(`${doc}: file= blocks are TypeScript ES modules`)
  return [...alone, { where: `${doc} (${files.map((block) => block.file).join(", ")})`, kind: "app", app: basename(doc, ".md"), files }]
}
