import type { Command } from 'commander'
import { invalidField } from '../platform/problem.ts'
import { MILESTONE_KINDS } from '../privacy/milestones/milestone.service.ts'
import { CLI_ACTOR, withDataDirOption, withRuntime } from './shared.ts'

const HELP = `
Milestones start retention clocks of the deletion concept: the decision on an application
(application_rejected, application_accepted, application_withdrawn; the latest counts — the seeded
rule erases a rejected applicant 6 months after it, § 15(4) AGG, § 61b ArbGG) and the end of a
contract (contract_ended; may lie ahead). \`tresor retention plan\` shows what falls due.

Example:
  tresor milestones add 0b6f8f9e-… --kind application_rejected --at 2026-05-31
`

/** `tresor milestones list | add | remove`: the dates some retention clocks start from. */
export function registerMilestones(program: Command): void {
  const milestones = program
    .command('milestones')
    .description('decisions on applications and contract ends: the dates retention clocks start from')
    .addHelpText('after', HELP)

  withDataDirOption(
    milestones
      .command('list <subjectId>')
      .description('list the milestones of a subject, latest first')
      .option('--json', 'print JSON'),
  ).action(async (subjectId: string, options: { json?: boolean; dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const items = await runtime.services.milestones.list(subjectId)
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ items }, null, 2)}\n`)
        return
      }
      if (items.length === 0) process.stdout.write('no milestones recorded\n')
      for (const m of items)
        process.stdout.write(`${m.occurredAt.toISOString().slice(0, 10)}  ${m.kind.padEnd(22)}  ${m.id}\n`)
    })
  })

  withDataDirOption(
    milestones
      .command('add <subjectId>')
      .description('record a decision on an application or the end of a contract (audited)')
      .requiredOption('--kind <kind>', MILESTONE_KINDS.join(' | '))
      .requiredOption('--at <time>', 'when it happened (ISO 8601 date or time)'),
  ).action(async (subjectId: string, options: { kind: string; at: string; dataDir?: string }) => {
    const at = new Date(options.at)
    if (Number.isNaN(at.getTime()))
      throw invalidField('body', 'occurredAt', 'is not an ISO 8601 date or time')
    await withRuntime(options, async (runtime) => {
      const m = await runtime.services.milestones.add(
        { subjectId, kind: options.kind, occurredAt: at },
        { actor: CLI_ACTOR },
      )
      process.stdout.write(
        `Milestone ${m.id} (${m.kind}, ${m.occurredAt.toISOString()}) recorded for subject ${m.subjectId}.\n`,
      )
    })
  })

  withDataDirOption(
    milestones
      .command('remove <subjectId> <milestoneId>')
      .description('remove a milestone recorded by mistake (audited)'),
  ).action(async (subjectId: string, milestoneId: string, options: { dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      await runtime.services.milestones.remove(subjectId, milestoneId, { actor: CLI_ACTOR })
      process.stdout.write(`Milestone ${milestoneId} removed.\n`)
    })
  })
}
