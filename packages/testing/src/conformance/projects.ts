/** The project store: insert, get, count and first. */
import { describe, expect, it } from "vitest"
import type { ProjectRecord } from "@billkit/core"
import { type CurrentStorage, none, run, some } from "./fixtures.js"

const project = (id: string, name = `Project ${id}`): ProjectRecord => ({
  id,
  name,
  createdAt: "2024-05-06T07:08:09.123Z",
  settings: { branding: { color: "#123456", name: "Zoë ✓" }, limits: [1, 2, 3], flag: true, nothing: null }
})

export const projectTests = (storage: CurrentStorage) =>
  describe("projects", () => {
    it("stores projects and reads them back", async () => {
      const s = storage()
      expect(await run(s.projects.count)).toBe(0)
      expect(await run(s.projects.first)).toEqual(none)
      await run(s.projects.insert(project("proj_2")))
      await run(s.projects.insert(project("proj_1", "First")))
      expect(await run(s.projects.get("proj_1"))).toEqual(some(project("proj_1", "First")))
      expect(await run(s.projects.get("proj_missing"))).toEqual(none)
      expect(await run(s.projects.count)).toBe(2)
    })

    it("first is the project with the lowest id, whatever the insertion order", async () => {
      const s = storage()
      for (const id of ["proj_b", "proj_c", "proj_a"]) await run(s.projects.insert(project(id)))
      expect(await run(s.projects.first)).toEqual(some(project("proj_a")))
    })

    it("all lists every project, oldest first", async () => {
      const s = storage()
      expect(await run(s.projects.all)).toEqual([])
      for (const id of ["proj_b", "proj_c", "proj_a"]) await run(s.projects.insert(project(id)))
      expect(await run(s.projects.all)).toEqual(["proj_a", "proj_b", "proj_c"].map((id) => project(id)))
    })
  })
