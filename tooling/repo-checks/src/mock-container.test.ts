/**
 * The mock's container image (apps/mock-server/Dockerfile), as .ci/run builds it with buildah
 * (scripts/ci/container.sh, which exports SMS_MOCK_IMAGE and the storage flags): its
 * configuration, and the image run with buildah (chroot isolation, the host's network) answering
 * HTTP on the PORT it is given, listening on the HOST the image sets.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const image = process.env.SMS_MOCK_IMAGE
const buildError = process.env.SMS_MOCK_IMAGE_ERROR
const storage = (process.env.SMS_CONTAINER_STORAGE ?? '').split(' ').filter(Boolean)
const buildah = (...args: string[]) => run('buildah', [...storage, ...args], { timeout: 120_000 })

interface ImageConfig {
  User?: string
  Env?: string[]
  Entrypoint?: string[]
  Cmd?: string[]
  ExposedPorts?: Record<string, unknown>
  WorkingDir?: string
}

async function imageConfig(name: string): Promise<ImageConfig> {
  const { stdout } = await buildah('inspect', '--type', 'image', name)
  return (JSON.parse(stdout) as { OCIv1: { config: ImageConfig } }).OCIv1.config
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** A container of the image, running its entrypoint with `args`; stopped by `stop`. */
async function runImage(env: Record<string, string>, args: string[]) {
  const { stdout } = await buildah('from', '--quiet', image as string)
  const container = stdout.trim()
  const config = await imageConfig(image as string)
  const command = [...(config.Entrypoint ?? []), ...args]
  const child: ChildProcess = spawn(
    'buildah',
    [
      ...storage,
      'run',
      '--isolation',
      'chroot',
      ...Object.entries(env).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
      container,
      '--',
      ...command,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  child.stdout?.on('data', (chunk) => {
    output += chunk
  })
  child.stderr?.on('data', (chunk) => {
    output += chunk
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  return {
    output: () => output,
    exited,
    async waitFor(text: string, ms = 60_000) {
      const deadline = Date.now() + ms
      while (!output.includes(text)) {
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`no "${text}" from the container; it printed:\n${output}`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
      await buildah('rm', container)
    },
  }
}

const running: { stop(): Promise<void> }[] = []
afterEach(async () => {
  for (const container of running.splice(0)) await container.stop()
})

describe('the mock image', () => {
  it.skipIf(buildError === undefined)('was built by .ci/run', () => {
    expect.fail(`scripts/ci/container.sh could not build the image: ${buildError}`)
  })

  describe.skipIf(image === undefined)(
    'as built (skipped unless .ci/run built it: SMS_MOCK_IMAGE from scripts/ci/container.sh)',
    () => {
      it('runs the built Node entry as an unprivileged user, listening where HOST and PORT say', async () => {
        const config = await imageConfig(image as string)
        expect(config.Entrypoint).toEqual(['node', '/app/dist/node.js'])
        expect(config.User).toBe('1000:1000')
        expect(config.Env).toEqual(expect.arrayContaining(['HOST=0.0.0.0', 'PORT=8080']))
        expect(Object.keys(config.ExposedPorts ?? {})).toEqual(['8080/tcp'])
        // No credential is baked in: the admin token comes at run time.
        expect((config.Env ?? []).some((entry) => entry.startsWith('SMS_MOCK_ADMIN'))).toBe(false)
      })

      it('serves the API and the admin API on PORT', async () => {
        const port = await freePort()
        const container = await runImage({ PORT: String(port), SMS_MOCK_ADMIN_TOKEN: 'adm-ci' }, [
          '--token',
          'ci-token',
        ])
        running.push(container)
        await container.waitFor(`sms-mock listening on http://0.0.0.0:${port}`)

        const admin = await fetch(`http://127.0.0.1:${port}/_mock`, {
          headers: { authorization: 'Bearer adm-ci' },
        })
        expect(admin.status).toBe(200)
        expect(await admin.json()).toMatchObject({
          name: '@sms-command/mock-server',
          runtime: 'node',
        })

        const unauthenticated = await fetch(`http://127.0.0.1:${port}/v3/sources/srv-1/command`)
        expect(unauthenticated.status).toBe(401)
        expect(await unauthenticated.json()).toMatchObject({ error_code: 'APIGW.0301' })
        // The admin API is closed without the token, since the image listens beyond loopback.
        expect((await fetch(`http://127.0.0.1:${port}/_mock`)).status).toBe(401)
      }, 120_000)

      it('refuses to start open to the network without an admin token (exit 2, naming it)', async () => {
        const container = await runImage({ PORT: String(await freePort()) }, [])
        running.push(container)
        await container.exited
        expect(container.output()).toMatch(/HOST.*0\.0\.0\.0 is not a loopback address/)
        expect(container.output()).toContain('SMS_MOCK_ADMIN_TOKEN')
        // buildah passes the mock's exit status on in its own message.
        expect(container.output()).toMatch(/exited with status 2/)
      }, 120_000)
    },
  )
})
