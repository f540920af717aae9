import { queryOptions } from '@tanstack/react-query'
import { api } from '../../app/api'

/** A breach of the register (GET /api/v1/breaches), with its 72-hour clock as of the answer. */
export interface Breach {
  id: string
  reference: string
  awareAt: string
  title: string
  description: string
  risk: 'none' | 'risk' | 'high'
  status: 'open' | 'notified' | 'closed'
  consequences: string
  measures: string
  authorityNotifiedAt: string | null
  authorityReference: string | null
  delayReasons: string | null
  clock: {
    deadline: string
    notificationRequired: boolean
    remainingSeconds: number | null
    overdue: boolean
    late: boolean
  }
  affected: {
    subjects: number
    records: number
    letters: Record<'sent' | 'refused' | 'no-address' | 'failed' | 'pending', number>
  }
  affectedQueries: { actor: { type: string; id: string }; from: string; until: string; actions: string[] }[]
}

export interface NewBreach {
  awareAt: string
  title: string
  description: string
  risk: Breach['risk']
  consequences?: string
  measures?: string
}

export const breachKeys = { all: () => ['breaches'] as const }

export function breachesQueryOptions() {
  return queryOptions({
    queryKey: breachKeys.all(),
    queryFn: async ({ signal }) => (await api.get<{ items: Breach[] }>('/api/v1/breaches', {}, signal)).items,
  })
}

export const recordBreach = (body: NewBreach) => api.post<Breach>('/api/v1/breaches', body)

export const computeAffected = (
  id: string,
  body: { actor: { type: 'user' | 'token'; id: string }; from: string; until: string },
) =>
  api.post<{ added: number; affected: Breach['affected'] }>(
    `/api/v1/breaches/${encodeURIComponent(id)}/affected`,
    body,
  )

export const notifyAuthority = (
  id: string,
  body: { at: string; reference?: string; delayReasons?: string },
) => api.post<Breach>(`/api/v1/breaches/${encodeURIComponent(id)}/notification`, body)

export const sendLetters = (id: string, lang: 'de' | 'en') =>
  api.post<{ sent: number; refused: number; noAddress: number; failed: number }>(
    `/api/v1/breaches/${encodeURIComponent(id)}/letters`,
    { lang },
  )

export const NOTICE_FORMATS = ['pdf', 'html', 'text'] as const
export const noticeUrl = (id: string, lang: 'de' | 'en', format: (typeof NOTICE_FORMATS)[number]) =>
  `/api/v1/breaches/${encodeURIComponent(id)}/notice?lang=${lang}&format=${format}`

/** A `datetime-local` input's value (local time) as an ISO instant. */
export const localToIso = (value: string): string => new Date(value).toISOString()
/** Now as a `datetime-local` value. */
export function nowLocal(): string {
  const d = new Date()
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset())
  return d.toISOString().slice(0, 16)
}
