import { describe, expect, it } from 'vitest'
import { createFault } from './faults.ts'
import {
  accountOfNewServer,
  faultsOf,
  idsOwnedBy,
  registeredServer,
  registrationConflict,
  registryOf,
  updateServerSettings,
} from './registry.ts'
import { createServerState } from './server-state.ts'

describe('registrationConflict', () => {
  it('allows registering again to the same account', () => {
    expect(registrationConflict('srv-1', 'acme', 'acme')).toBeUndefined()
  })

  it('allows an update that names no account: the server keeps its owner', () => {
    expect(registrationConflict('srv-1', 'acme', undefined)).toBeUndefined()
  })

  it('names the owner when another account registers the server', () => {
    expect(registrationConflict('srv-1', 'acme', 'other')).toBe(
      'server srv-1 is already registered to account acme',
    )
  })
})

describe('registeredServer', () => {
  it('starts an empty server with the settings and fleet fields given', () => {
    const server = registeredServer(
      {
        id: 'srv-1',
        domain: 'acme',
        delivery: 'ack',
        fleet: { name: 'primary', state: 'replicate' },
      },
      5,
    )
    expect(server).toMatchObject({
      id: 'srv-1',
      account: 'acme',
      delivery: 'ack',
      name: 'primary',
      state: 'replicate',
      createdAt: 5,
      queue: [],
    })
  })
})

describe('updateServerSettings', () => {
  it('sets the settings given and keeps the others', () => {
    const server = createServerState('srv-1', 'acme', 0, { delivery: 'pop', name: 'primary' })
    updateServerSettings(server, { delivery: 'ack', fleet: { state: 'finished' } })
    expect(server).toMatchObject({ delivery: 'ack', name: 'primary', state: 'finished' })
    updateServerSettings(server, { idle: 'null-body' })
    expect(server).toMatchObject({ delivery: 'ack', idle: 'null-body' })
  })
})

describe('registry', () => {
  const servers = [
    createServerState('srv-1', 'acme', 0),
    createServerState('srv-2', 'other', 0),
    createServerState('srv-3', 'acme', 0),
  ]

  it('maps each server id to its account', () => {
    expect([...registryOf(servers)]).toEqual([
      ['srv-1', 'acme'],
      ['srv-2', 'other'],
      ['srv-3', 'acme'],
    ])
  })

  it('lists only the ids an account owns, in order', () => {
    expect(idsOwnedBy(registryOf(servers), 'acme')).toEqual(['srv-1', 'srv-3'])
    expect(idsOwnedBy(registryOf(servers), 'nobody')).toEqual([])
  })
})

describe('faultsOf', () => {
  it('lists global faults first, then each server’s', () => {
    const global = createFault({ kind: 'latency', ms: 1 }, 'f1', 1, 0)
    const server = createServerState('srv-1', 'acme', 0)
    server.faults.push(createFault({ kind: 'status', status: 503, server: 'srv-1' }, 'f2', 2, 0))
    expect(faultsOf([global], [server]).map((f) => f.spec.id)).toEqual(['f1', 'f2'])
  })
})

describe('accountOfNewServer', () => {
  it('registers a new server to the account given, else to demo', () => {
    expect(accountOfNewServer('acme')).toBe('acme')
    expect(accountOfNewServer(undefined)).toBe('demo')
    expect(registeredServer({ id: 'srv-9' }, 0).account).toBe('demo')
  })
})
