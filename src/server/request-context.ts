import type { FastifyRequest } from 'fastify'
import type { GateActor } from '../privacy/gate/gate.service.ts'
import { actorOf } from './auth.ts'

/** Who is asking and in which request: what every service call that touches personal data carries. */
export interface RequestContext {
  actor: GateActor
  requestId?: string
}

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
