import { queryOptions } from '@tanstack/react-query'
import { api, apiRequest } from '../../app/api'

export interface TotpStatus {
  enabled: boolean
  pending: boolean
}

export interface TotpEnrolment {
  secret: string
  uri: string
}

export const totpStatusQueryOptions = queryOptions({
  queryKey: ['auth', 'totp'] as const,
  queryFn: ({ signal }) => api.get<TotpStatus>('/api/v1/auth/totp', undefined, signal),
})

/** A new secret for the authenticator app; not active until confirmed with a code. */
export const startTotpEnrolment = () => api.post<TotpEnrolment>('/api/v1/auth/totp')

export const confirmTotp = (code: string) => api.post<undefined>('/api/v1/auth/totp/confirm', { code })

export const disableTotp = (code: string) =>
  apiRequest<undefined>('/api/v1/auth/totp', { method: 'DELETE', body: { code } })
