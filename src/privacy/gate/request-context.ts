import type { GateActor } from './gate.service.ts'

/** Who is asking and in which request: what every service call that touches personal data carries. */
export interface RequestContext {
  actor: GateActor
  requestId?: string
}
