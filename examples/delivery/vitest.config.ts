import { baseTestConfig } from '@sms-command/vitest-config'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    ...baseTestConfig,
    // Offline and quiet, also when run outside `npm test` (which sets the same).
    env: { ...baseTestConfig.env, WRANGLER_SEND_METRICS: 'false', DENO_NO_UPDATE_CHECK: '1' },
  },
})
