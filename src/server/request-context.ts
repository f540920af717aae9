import type { FastifyRequest } from 'fastify'
import type { RequestContext } from '../privacy/gate/request-context.ts'
import { actorOf } from './auth.ts'

export type { RequestContext }

/** The gate's view of who is asking: the user or API token, in its role. */
export function contextOf(request: FastifyRequest): RequestContext {
  const actor = actorOf(request)
  return {
    actor:
      actor.via === 'token' && actor.tokenId
        ? { type: 'token', id: actor.tokenId, role: actor.role }
        : { type: 'user', id: actor.userId, role: actor.role },
    requestId: request.id,
  }
}
