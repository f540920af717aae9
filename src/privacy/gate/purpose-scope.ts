import { ProblemError } from '../../platform/problem.ts'
import type { AuditActor, AuditWriter } from '../audit/audit-record.ts'
import { FieldRegistry } from '../fields/field-registry.ts'
import type { PurposeScope } from '../purposes/purpose.ts'
import type { FieldSplit } from './field-access.ts'

/** The built-in catalog, for callers that decide on record kinds only. */
const BUILTIN = new FieldRegistry()

/** The role that may act under every purpose: it holds every permission and can't be narrowed. */
export const ALL_PURPOSES_ROLE = 'admin'

/** What the gate reads of a purpose's scope. */
export type GateScope = Pick<PurposeScope, 'roles' | 'fieldCategories' | 'restrictionException'>

/** Art. 5(1)(b): whether users and tokens of the role may act under the purpose. Pure. */
export const mayActUnder = (role: string, scope: Pick<PurposeScope, 'roles'>): boolean =>
  role === ALL_PURPOSES_ROLE || scope.roles.includes(role)

/** The refusal of a purpose the role doesn't hold: 403, naming the purpose (never a subject). */
export const purposeNotHeld = (purposeKey: string, role: string): ProblemError =>
  new ProblemError('forbidden', `the role ${role} may not act under the purpose ${purposeKey}`, {
    errors: [
      {
        in: 'request',
        field: 'purpose',
        reason: `${purposeKey} is not one of your role's purposes (the purpose's scope names the roles that may act under it)`,
      },
    ],
  })

/**
 * Art. 5(1)(b): lets the actor act under the purpose only when its role may; otherwise the refusal
 * is audited and thrown as 403 naming the purpose. The one check for the gate, the record gate and
 * the score store.
 */
export async function requireActUnder(
  purpose: { key: string; legalBasis: string; scope: Pick<PurposeScope, 'roles'> },
  who: { actor: AuditActor & { role: string }; requestId?: string | undefined },
  audit: AuditWriter,
): Promise<void> {
  if (mayActUnder(who.actor.role, purpose.scope)) return
  await audit.append([
    {
      actor: who.actor,
      action: 'denied',
      purpose: purpose.key,
      legalBasis: purpose.legalBasis,
      reason: `purpose scope: role ${who.actor.role} may not act under ${purpose.key}`,
      ...(who.requestId ? { requestId: who.requestId } : {}),
    },
  ])
  throw purposeNotHeld(purpose.key, who.actor.role)
}

/**
 * Art. 5(1)(c) data minimisation: the fields of categories the purpose doesn't use are withheld under
 * it, whatever the role may see (invoicing retention reads invoices and the billing identity, not
 * phone, interests or notes). Pure.
 */
export function withholdOutsideScope(
  split: FieldSplit,
  scope: Pick<PurposeScope, 'fieldCategories'>,
  catalog: FieldRegistry = BUILTIN,
): FieldSplit {
  const used = new Set<string>(scope.fieldCategories)
  const outside = split.allowed.filter((f) => {
    const category = catalog.get(f)?.category
    return category !== undefined && !used.has(category)
  })
  if (outside.length === 0) return split
  const allowed = split.allowed.filter((f) => !outside.includes(f))
  return {
    allowed,
    denied: [
      ...split.denied,
      ...outside.map((field) => ({
        field,
        rule: 'purpose-lacks-field-category' as const,
        category: catalog.get(field)?.category ?? ('derived' as const),
      })),
    ],
    identifiers: split.identifiers.filter((f) => !outside.includes(f)),
    specialCategory: allowed.some((f) => catalog.get(f)?.specialCategory === true),
  }
}
