import { describe, expect, it } from 'vitest'
import type { Gate } from '../gate/gate.service.ts'
import { ErasureService } from './erasure.service.ts'
import type { ErasureLedgerFile } from './erasure-ledger-file.ts'
import type { HoldRepository } from './hold.repository.ts'
import type { HoldService } from './hold.service.ts'
import type { Hold } from './hold.ts'

const ids = ['a', 'b', 'c', 'd', 'e'].map((c) => `00000000-0000-4000-8000-00000000000${c}`)

/** An ErasureService over stand-ins: held erasures `ids`, holds in force as given, an erasure that may fail. */
function service(options: {
  inForce?: Map<string, string[]>
  lastHeld?: Map<string, string[]>
  failing?: string
}) {
  const erased: string[] = []
  const gate = {
    eraseSubjects: async ({ subjectIds }: { subjectIds: readonly string[] }) => {
      const id = subjectIds[0] as string
      if (id === options.failing) throw new Error('the database said no')
      erased.push(id)
      const held = options.inForce?.get(id)
      return [{ subjectId: id, outcome: held && held.length > 0 ? 'held' : 'erased' }]
    },
  } as unknown as Pick<Gate, 'eraseSubjects'>
  const repository = {
    heldErasures: async (after: string | undefined, limit: number) =>
      ids.filter((id) => after === undefined || id > after).slice(0, limit),
    lastHeld: async () => options.lastHeld ?? new Map(),
  } as unknown as HoldRepository
  const holds = {
    now: () => new Date('2030-01-01T00:00:00Z'),
    inForce: async (page: readonly string[]) =>
      new Map(
        page.flatMap((id) => {
          const h = options.inForce?.get(id)
          return h && h.length > 0 ? [[id, h.map((hid) => ({ id: hid }) as Hold)] as const] : []
        }),
      ),
  } as unknown as HoldService
  const erasures = new ErasureService({ gate, holds, repository, ledgerFile: {} as ErasureLedgerFile })
  return { erasures, erased }
}

describe('finishing held erasures', () => {
  it('goes on past a subject that fails, page after page', async () => {
    const { erasures, erased } = service({ failing: ids[1] })
    const report = await erasures.finishHeldErasures({ batch: 2 })
    expect(report).toEqual({
      checked: 5,
      finished: 4,
      narrowed: 0,
      failed: [{ subjectId: ids[1], reason: 'the database said no' }],
    })
    expect(erased).toEqual([ids[0], ids[2], ids[3], ids[4]])
  })

  it('leaves alone what no ended hold changes, narrows where one ended, and stops at the limit', async () => {
    const inForce = new Map([
      [ids[0] as string, ['invoice:1']],
      [ids[1] as string, ['invoice:2']],
    ])
    const lastHeld = new Map([
      [ids[0] as string, ['invoice:1']],
      [ids[1] as string, ['invoice:2', 'unpaid-invoice:2']],
    ])
    const { erasures, erased } = service({ inForce, lastHeld })
    expect(await erasures.finishHeldErasures({ limit: 2 })).toMatchObject({ finished: 1, narrowed: 1 })
    expect(erased).toEqual([ids[1], ids[2]])
  })
})
