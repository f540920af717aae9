import { type QueryClient, queryOptions } from '@tanstack/react-query'
import { FORM_FIELD_INPUTS, FORM_FIELDS } from '../../../../src/modules/forms/form-types'
import { api, isProblem } from '../../app/api'
import { type ConsentText, consentKeys } from '../subjects/consent.api'

// The fields a public form can ask for, with their labels (a plain-data module of the server).
export { FORM_FIELD_INPUTS, FORM_FIELDS }

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
