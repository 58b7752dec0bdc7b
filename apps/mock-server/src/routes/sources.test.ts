import { describe, expect, it } from 'vitest'
import type { SourceServer } from '../rules/server-state.ts'
import { pageOfSources, parseSourcesQuery } from './sources.ts'

const query = (text: string) => parseSourcesQuery(new URLSearchParams(text))

describe('parseSourcesQuery', () => {
  it('defaults limit to 200 when absent or 0 (docs/api.md §8), offset to 0', () => {
    expect(query('')).toEqual({ ok: true, query: { limit: 200, offset: 0 } })
    expect(query('limit=0&offset=3')).toEqual({ ok: true, query: { limit: 200, offset: 3 } })
  })

  it('reads filters, connected as a boolean in any case', () => {
    expect(
      query('id=a&name=web&state=replicate&migration_cycle=syncing&connected=TRUE&ip=1.2.3.4'),
    ).toEqual({
      ok: true,
      query: {
        limit: 200,
        offset: 0,
        id: 'a',
        name: 'web',
        state: 'replicate',
        migration_cycle: 'syncing',
        connected: true,
        unkept: ['ip'],
      },
    })
  })

  it('names the parameter of a bad value', () => {
    expect(query('limit=-1')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^limit:/),
    })
    expect(query('offset=x')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^offset:/),
    })
    expect(query('connected=1')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^connected: expected true or false/),
    })
  })
})

describe('pageOfSources', () => {
  const server = (
    id: string,
    name: string,
    state: string,
    connected: boolean,
    cycle?: string,
  ): SourceServer => ({
    id,
    name,
    state,
    ...(cycle !== undefined ? { migration_cycle: cycle } : {}),
    connected,
    last_visit_time: 0,
    add_date: 0,
  })
  const fleet = [
    server('a', 'web-01', 'replicate', true, 'replicating'),
    server('b', 'WEB-02', 'stopped', false),
    server('c', 'db-01', 'replicate', false, 'syncing'),
  ]

  it('filters on migration_cycle; a server without one never matches', () => {
    const page = pageOfSources(fleet, { limit: 200, offset: 0, migration_cycle: 'replicating' })
    expect(page.source_servers.map((s) => s.id)).toEqual(['a'])
    expect(pageOfSources(fleet, { limit: 200, offset: 0, migration_cycle: 'x' }).count).toBe(0)
  })

  it('matches nothing on a filter the mock keeps for no server (ip, projects)', () => {
    for (const filter of ['ip=192.168.0.12', 'migproject=p1', 'enterprise_project_id=0']) {
      const parsed = query(filter)
      if (!parsed.ok) throw new Error(parsed.message)
      expect(pageOfSources(fleet, parsed.query)).toEqual({ count: 0, source_servers: [] })
    }
  })

  it('counts every match and returns the requested slice', () => {
    const page = pageOfSources(fleet, { limit: 1, offset: 1 })
    expect(page.count).toBe(3)
    expect(page.source_servers.map((s) => s.id)).toEqual(['b'])
  })

  it('matches name as a case-insensitive substring and the rest exactly, all together', () => {
    expect(pageOfSources(fleet, { limit: 200, offset: 0, name: 'web' }).count).toBe(2)
    expect(
      pageOfSources(fleet, { limit: 200, offset: 0, state: 'replicate', connected: false })
        .source_servers,
    ).toEqual([fleet[2]])
    expect(pageOfSources(fleet, { limit: 200, offset: 0, id: 'b', state: 'replicate' }).count).toBe(
      0,
    )
  })
})
