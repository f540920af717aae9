import { loadConfig } from '../../src/platform/config.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { openRuntime, type Runtime } from '../../src/runtime.ts'
import type { Context } from '../harness.ts'
import { settle } from './steady-state.ts'
import { prepareInstance } from './tresor.ts'

/**
 * For figures of what is not an HTTP resource (the gate, the audience): a fresh installation with
 * `ctx.scale` demo subjects (`tresor demo`, permission state included), opened in this process as
 * `tresor` would, in the steady state a running system reaches (vacuumed and analysed).
 */
export async function openDemoRuntime(ctx: Context, label: string): Promise<Runtime> {
  const instance = await ctx.instance(label)
  ctx.log(
    `preparing ${ctx.scale.toLocaleString('en')} demo subjects with their permission state (tresor demo)`,
  )
  await prepareInstance(instance, ctx.scale)
  const runtime = await openRuntime(loadConfig({ ...instance.env }, { dataDir: instance.dataDir }), {
    logger: createLogger('warn'),
  })
  ctx.defer(() => runtime.close())
  if (runtime.database.engine !== ctx.db) throw new Error(`opened ${runtime.database.engine}, not ${ctx.db}`)
  await settle(ctx, runtime.database.db, [
    'subject',
    'permission_state',
    'objection_state',
    'restriction_state',
  ])
  return runtime
}
