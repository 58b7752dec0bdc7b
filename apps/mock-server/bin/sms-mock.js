#!/usr/bin/env node
// The `sms-mock` command. A tracked file, so that installing the workspace can link it before the
// build has made dist/ (pnpm warns "Failed to create bin" for a bin that points into dist/).
import '../dist/node.js'
