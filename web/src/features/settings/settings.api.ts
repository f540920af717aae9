import { queryOptions } from '@tanstack/react-query'
import { api, apiRequest } from '../../app/api'

/** The installation's settings as `GET /api/v1/settings` returns them. */
export interface InstallationSettings {
  controller: { name: string | null; address: string | null; email: string | null }
  dpo: { name: string | null; email: string | null; address: string | null }
  branding: {
    primaryColor: string | null
    logo: { mediaType: string; size: number; sha256: string; url: string } | null
  }
  /** IANA time zone of the mails and the privacy portal. */
  timeZone: string
  version: number
  updatedAt: string
}

export type ControllerPatch = Partial<InstallationSettings['controller']>
export type DpoPatch = Partial<InstallationSettings['dpo']>

export interface SettingsPatch {
  controller?: ControllerPatch
  dpo?: DpoPatch
  branding?: { primaryColor?: string | null }
  timeZone?: string
}

/** The logo types the server takes (an SVG is refused: it can carry script). */
export const LOGO_TYPES = ['image/png', 'image/jpeg'] as const
/** The server's limit for a logo. */
export const LOGO_MAX_BYTES = 256 * 1024

/** `#rrggbb`, as the server checks it. */
export const HEX_COLOR = /^#[0-9a-fA-F]{6}$/

export const settingsKeys = { all: () => ['settings'] as const }

export const settingsQueryOptions = queryOptions({
  queryKey: settingsKeys.all(),
  queryFn: ({ signal }) => api.get<InstallationSettings>('/api/v1/settings', undefined, signal),
})

/** The admin's change: controller, DPO, colour (`settings:manage`). */
export const updateSettings = (patch: SettingsPatch) =>
  api.patch<InstallationSettings>('/api/v1/settings', patch)

/** The DPO's own part (`settings:dpo`). */
export const updateDpoContact = (patch: DpoPatch) =>
  api.patch<InstallationSettings>('/api/v1/settings/dpo', patch)

/** Uploads the logo: the file itself is the request body. */
export const uploadLogo = (file: File) =>
  apiRequest<InstallationSettings>('/api/v1/settings/logo', {
    method: 'PUT',
    file: { data: file, contentType: file.type || 'application/octet-stream' },
  })

export const removeLogo = () =>
  apiRequest<InstallationSettings>('/api/v1/settings/logo', { method: 'DELETE' })

/** Blank text is no value: the server stores null. */
export const blankAsNull = (text: string): string | null => (text.trim() === '' ? null : text.trim())

/**
 * The parts of `draft` that differ from `current` (blank text as null), or undefined when nothing
 * changed — so a save sends only what the user changed.
 */
export function changesOf<T extends Record<string, string | null>>(
  current: T,
  draft: Record<keyof T, string>,
): Partial<T> | undefined {
  const changed: Partial<Record<keyof T, string | null>> = {}
  for (const key of Object.keys(draft) as (keyof T)[]) {
    const next = blankAsNull(draft[key])
    if (next !== (current[key] ?? null)) changed[key] = next
  }
  return Object.keys(changed).length > 0 ? (changed as Partial<T>) : undefined
}
