import { queryOptions } from '@tanstack/react-query'
import { api, apiRequest } from '../../app/api'

/** The signed-in user as `/api/v1/auth/*` returns it. `role` is open text on the server; known roles are translated. */
export interface CurrentUser {
  id: string
  email: string
  displayName: string | null
  role: string
}

interface UserResponse {
  user: CurrentUser
}

export interface Credentials {
  email: string
  password: string
}

export const sessionQueryKey = ['auth', 'me'] as const

/** The session probe. No global 401 redirect: the router decides where an anonymous visitor goes. */
export const sessionQueryOptions = queryOptions({
  queryKey: sessionQueryKey,
  queryFn: async ({ signal }) =>
    (await apiRequest<UserResponse>('/api/v1/auth/me', { signal, redirectOnUnauthorized: false })).user,
  staleTime: 5 * 60_000,
  retry: false,
})

/** The password was right and the account has a second factor: the code is asked for next. */
export interface TotpChallenge {
  status: 'totp-required'
  challenge: string
  expiresAt: string
}

export type LoginOutcome = { status: 'signed-in'; user: CurrentUser } | TotpChallenge

export async function login(credentials: Credentials): Promise<LoginOutcome> {
  // A 401 here means wrong credentials, not an expired session: no redirect.
  const response = await api.post<UserResponse | TotpChallenge>('/api/v1/auth/login', credentials, {
    redirectOnUnauthorized: false,
  })
  return 'user' in response ? { status: 'signed-in', user: response.user } : response
}

/** Second step of a sign-in with TOTP. A 401 means a wrong code or an expired sign-in, not a lost session. */
export async function loginWithTotp(input: { challenge: string; code: string }): Promise<CurrentUser> {
  const response = await api.post<UserResponse>('/api/v1/auth/login/totp', input, {
    redirectOnUnauthorized: false,
  })
  return response.user
}

export async function logout(): Promise<void> {
  await api.post<undefined>('/api/v1/auth/logout', undefined, { redirectOnUnauthorized: false })
}

/** A post-login target is only followed when it stays on this origin and is not the login page itself. */
export function safeRedirectTarget(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.startsWith('/')) return undefined
  if (value.startsWith('//') || value.startsWith('/\\') || value.startsWith('/login')) return undefined
  return value
}
