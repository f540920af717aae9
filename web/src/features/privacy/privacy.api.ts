import { type QueryClient, queryOptions } from '@tanstack/react-query'
import { FORM_FIELD_INPUTS, FORM_FIELDS } from '../../../../src/modules/forms/form-types'
import { FIELD_CATEGORIES } from '../../../../src/privacy/fields/field-catalog'
import {
  ART9_BASES,
  LEGAL_BASES,
  REQUIRED_RECORDS,
  RESTRICTION_EXCEPTIONS,
} from '../../../../src/privacy/purposes/purpose'
import { SUBJECT_KINDS } from '../../../../src/privacy/subjects/subject-kinds'
import { api, isProblem } from '../../app/api'
import { type ConsentText, consentKeys } from '../subjects/consent.api'
import { contactKeys, type PurposeScopeSummary, type PurposeSummary } from '../subjects/contact-overview.api'

// The fields a public form can ask for, with their labels (a plain-data module of the server).
// The server's closed sets a purpose and its scope are made of (plain-data modules), so the scope
// form offers exactly what the registry accepts and every value has a label.
export {
  ART9_BASES,
  FIELD_CATEGORIES,
  FORM_FIELD_INPUTS,
  FORM_FIELDS,
  LEGAL_BASES,
  REQUIRED_RECORDS,
  RESTRICTION_EXCEPTIONS,
  SUBJECT_KINDS,
}

type Texts = { de: string; en: string }

/** A public form (GET /api/v1/forms). */
export interface PublicForm {
  key: string
  type: string
  title: Texts
  fields: { field: string; required: boolean }[]
  /** The consent purposes offered, each as its own unticked box, with the text version shown. */
  purposes: { purposeKey: string; textVersion: number }[]
  notice: { controller: Texts; recipients: Texts }
  active: boolean
  builtin: boolean
  version: number
  publicUrl: string
  createdAt: string
  updatedAt: string
}

/** What a form type may ask for, and why (GET /api/v1/form-types). */
export interface FormType {
  key: string
  label: Texts
  purpose: string | null
  fields: { field: string; required: boolean; why: string }[]
}

export const privacyKeys = {
  forms: () => ['forms'] as const,
  formTypes: () => ['form-types'] as const,
  roles: () => ['roles'] as const,
}

/** A role as GET /api/v1/roles lists it. */
export interface RoleSummary {
  name: string
  description: string
  permissions: string[]
  fieldCategories: string[]
  builtin: boolean
}

const noRetryOnRefusal = (failures: number, error: unknown) =>
  failures < 2 && !(isProblem(error) && error.status < 500)

export function formsQueryOptions() {
  return queryOptions({
    queryKey: privacyKeys.forms(),
    queryFn: ({ signal }) => api.get<PublicForm[]>('/api/v1/forms', {}, signal),
    staleTime: 60_000,
    retry: noRetryOnRefusal,
  })
}

export function formTypesQueryOptions() {
  return queryOptions({
    queryKey: privacyKeys.formTypes(),
    queryFn: ({ signal }) => api.get<FormType[]>('/api/v1/form-types', {}, signal),
    staleTime: 5 * 60_000,
    retry: noRetryOnRefusal,
  })
}

/** The roles (built-in and defined by admins), for the roles a purpose's scope can name. */
export function rolesQueryOptions() {
  return queryOptions({
    queryKey: privacyKeys.roles(),
    queryFn: async ({ signal }) =>
      (await api.get<{ items: RoleSummary[] }>('/api/v1/roles', {}, signal)).items,
    staleTime: 5 * 60_000,
    retry: noRetryOnRefusal,
  })
}

/**
 * PATCH /api/v1/purposes/{key} with the whole scope: who may act under the purpose, whom it
 * reaches, which data it uses and its Art. 18(2) ground. Bumps the version; audited.
 */
export function updatePurposeScope(key: string, scope: PurposeScopeSummary): Promise<PurposeSummary> {
  return api.patch<PurposeSummary>(`/api/v1/purposes/${encodeURIComponent(key)}`, { scope })
}

/** After a change of a purpose: the registry, which every purpose select and name reads. */
export function invalidatePurposes(queryClient: QueryClient): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: contactKeys.purposes() })
}

/** The inputs of the scope form; a server error (`scope.roles`, `scope.fieldCategories.0`) is shown at its input. */
export const SCOPE_INPUTS = [
  'roles',
  'subjectKinds',
  'requiresRecord',
  'fieldCategories',
  'restrictionException',
] as const
export type ScopeInput = (typeof SCOPE_INPUTS)[number]

/** The input a field error of the server names (`scope.roles.2` -> roles); undefined for anything else. */
export function scopeInputOf(path: string): ScopeInput | undefined {
  const [head, input] = path.split('.')
  if (head !== 'scope') return undefined
  return SCOPE_INPUTS.find((i) => i === input)
}

/** The letter of a basis in its article: Art. 6(1)(b) for `contract`, Art. 9(2)(a) for `explicit_consent`. */
export function articleLetter(bases: readonly string[], basis: string): string | undefined {
  const index = bases.indexOf(basis)
  return index < 0 ? undefined : String.fromCharCode(97 + index)
}

/** Where a form's public page is served (same origin as the app). */
export const publicFormPath = (key: string) => `/p/forms/${encodeURIComponent(key)}`

/** The longest consent text the server takes, per language. */
export const CONSENT_TEXT_MAX = 2000

/**
 * POST /api/v1/consent-texts: a new version of a purpose's checkbox wording. Versions are never
 * changed, because consent proofs name the version shown; forms keep theirs until changed.
 */
export function addConsentText(purposeKey: string, text: Texts): Promise<ConsentText> {
  return api.post<ConsentText>('/api/v1/consent-texts', { purposeKey, text })
}

export function invalidateConsentTexts(queryClient: QueryClient): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: consentKeys.texts() })
}
