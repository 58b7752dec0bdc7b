/**
 * `npm publish` from a package folder must fail with what to do instead; `pnpm publish` (what
 * `changeset publish` runs) must pass. scripts/publish-guard.mjs is every published package's
 * prepublishOnly and decides by npm_config_user_agent.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { PUBLISHED_PACKAGES, pinnedPnpm, repoRoot } from './repo.ts'

const run = promisify(execFile)
const guard = join(repoRoot, 'scripts', 'publish-guard.mjs')

function runGuard(userAgent: string | undefined) {
  const env: Record<string, string | undefined> = {
    ...process.env,
    npm_package_name: '@sms-command/core',
  }
  delete env.npm_config_user_agent
  if (userAgent !== undefined) env.npm_config_user_agent = userAgent
  return run(process.execPath, [guard], { env, cwd: join(repoRoot, 'packages', 'core') })
}

describe('the publish guard', () => {
  it.each([
    ['npm', 'npm/11.6.2 node/v24.11.0 linux x64 workspaces/false'],
    ['yarn', 'yarn/1.22.22 npm/? node/v24.11.0 linux x64'],
    ['bun', 'bun/1.3.0 npm/? node/v24.3.0 linux x64'],
  ])(
    'stops a publish by %s, naming the package and the release commands',
    async (manager, agent) => {
      const failure = await runGuard(agent).catch(
        (error: { code: number; stderr: string }) => error,
      )
      expect(failure).toMatchObject({ code: 1 })
      const { stderr } = failure as { stderr: string }
      expect(stderr).toContain(`refusing to publish @sms-command/core with ${manager}`)
      expect(stderr).toContain('workspace: and catalog:')
      expect(stderr).toContain('`pnpm release`')
    },
  )

  it('stops a publish whose package manager is unknown (no user agent)', async () => {
    await expect(runGuard(undefined)).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('with an unknown package manager'),
    })
  })

  it('lets pnpm publish', async () => {
    await expect(runGuard('pnpm/10.34.9 npm/? node/v24.11.0 linux x64')).resolves.toMatchObject({
      stderr: '',
    })
  })

  it.each(PUBLISHED_PACKAGES)('makes `npm publish --dry-run` fail in %s', async (dir) => {
    const failure = await run('npm', ['publish', '--dry-run'], {
      cwd: join(repoRoot, dir),
      env: { ...process.env, npm_config_user_agent: undefined },
      timeout: 60_000,
    }).catch((error: { code: number; stderr: string }) => error)
    expect(failure).toMatchObject({ code: 1 })
    expect((failure as { stderr: string }).stderr).toContain('refusing to publish @sms-command/')
  })

  it('lets `pnpm publish --dry-run` through (the release path), resolving every range', async () => {
    const { stdout, stderr } = await run(
      'npx',
      ['-y', pinnedPnpm(), 'publish', '--dry-run', '--no-git-checks'],
      {
        cwd: join(repoRoot, 'packages', 'core'),
        env: { ...process.env, npm_config_yes: 'true' },
        timeout: 120_000,
      },
    )
    expect(`${stdout}\n${stderr}`).toContain('public access (dry-run)')
    expect(stdout).toContain('+ @sms-command/core@')
  }, 150_000)
})
