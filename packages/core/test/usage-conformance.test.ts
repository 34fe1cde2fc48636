import { usageConformance } from "@billkit/testing"
import type { StoragePort } from "../src/ports/Storage.js"
import { makeMemoryStorage } from "../src/storage/MemoryStorage.js"

usageConformance("memory", async () => {
  let storage: StoragePort = makeMemoryStorage()
  return {
    get storage() {
      return storage
    },
    reset: async () => {
      storage = makeMemoryStorage()
    },
    close: async () => {}
  }
})
