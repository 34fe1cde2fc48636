#!/usr/bin/env node
// The fake Stripe's command line. This file lives outside dist/ so that it exists when the
// package manager links the bin at install time, before the first build (otherwise every clean
// install of the workspace warns "Failed to create bin"); the built program does the work.
import "../dist/fake-stripe-bin.js"
