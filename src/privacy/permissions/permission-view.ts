import type { SubjectPermissionsJson } from './permission.schemas.ts'
import type { PermissionService } from './permission.service.ts'

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null)

/** A subject's permission view (state, decisions per purpose, history) as the API returns it. */
export function permissionsJson({
  state,
  decisions,
  history,
}: Awaited<ReturnType<PermissionService['subjectView']>>): SubjectPermissionsJson {
  return {
    subjectId: state.subjectId,
    erased: state.erased,
    customer: state.customer,
    restriction: state.restriction && {
      ...state.restriction,
      since: state.restriction.since.toISOString(),
      liftNotice: state.restriction.liftNotice && {
        ...state.restriction.liftNotice,
        at: state.restriction.liftNotice.at.toISOString(),
      },
    },
    objections: state.objections.map((o) => ({ ...o, raisedAt: o.raisedAt.toISOString() })),
    consents: state.consents.map((c) => ({
      ...c,
      requestedAt: iso(c.requestedAt),
      grantedAt: iso(c.grantedAt),
      confirmedAt: iso(c.confirmedAt),
      withdrawnAt: iso(c.withdrawnAt),
      expiredAt: iso(c.expiredAt),
      expiresAt: iso(c.expiresAt),
      updatedAt: c.updatedAt.toISOString(),
    })),
    decisions,
    history: history.map((h) => ({ ...h, at: h.at.toISOString() })),
  }
}
