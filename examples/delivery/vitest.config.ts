import { baseTestConfig } from '@sms-command/vitest-config'
import { defineConfig } from 'vitest/config'

export default defineConfig({ test: { ...baseTestConfig } })
