import {
  Alert,
  Anchor,
  Box,
  Button,
  Center,
  ColorInput,
  FileButton,
  Group,
  Image,
  Loader,
  Paper,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, type ReactNode, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { ErrorState, SubmitErrorAlert } from '../../app/error-state'
import { problemLine, reasonText } from '../../app/problem-text'
import { Toast } from '../../app/toast'
import { usePermissions } from '../auth/permissions'
import {
  changesOf,
  HEX_COLOR,
  type InstallationSettings,
  LOGO_MAX_BYTES,
  LOGO_TYPES,
  removeLogo,
  settingsKeys,
  settingsQueryOptions,
  updateDpoContact,
  updateSettings,
  uploadLogo,
} from './settings.api'

/** Colours offered as swatches; any `#rrggbb` can be typed. */
const SWATCHES = ['#1f4e8c', '#0a7c55', '#b00020', '#6a1b9a', '#e65100', '#00695c', '#37474f', '#1a1a1a']

type Saved = 'controller' | 'dpo' | 'color' | 'logo' | 'logoRemoved' | 'timeZone'

/**
 * Settings (Einstellungen): who the controller is and how to reach the DPO — what the privacy notice
 * of every public form names (Art. 13(1)(a)-(b)) and what every mail ends with — and the logo and
 * colour of the public forms, the privacy portal and the mails. Admins (`settings:manage`) change
 * everything; the DPO (`settings:dpo`) the DPO's contact; everyone else reads.
 */
export function SettingsPage() {
  const { t } = useTranslation()
  const { can } = usePermissions()
  const settings = useQuery(settingsQueryOptions)
  const [saved, setSaved] = useState<Saved | undefined>(undefined)
  const manage = can('settings:manage')
  const dpo = manage || can('settings:dpo')

  return (
    <Stack gap="md" maw={820} data-testid="settings-page">
      <Title order={1} size="h2">
        {t('settings.general.title')}
      </Title>
      <Text size="sm" c="dimmed">
        {t('settings.general.intro')}
      </Text>
      {!manage && (
        <Alert variant="light" color="gray" data-testid="settings-read-only">
          {dpo ? t('settings.general.dpoOnly') : t('settings.general.readOnly')}
        </Alert>
      )}
      {settings.isPending ? (
        <Center py="xl">
          <Loader size="sm" aria-label={t('common.loading')} />
        </Center>
      ) : settings.isError ? (
        <ErrorState
          title={t('settings.general.error')}
          error={settings.error}
          onRetry={() => void settings.refetch()}
          testId="settings-error"
        />
      ) : (
        <>
          <ContactSection
            key={`controller-${JSON.stringify(settings.data.controller)}`}
            part="controller"
            settings={settings.data}
            editable={manage}
            onSaved={() => setSaved('controller')}
          />
          <ContactSection
            key={`dpo-${JSON.stringify(settings.data.dpo)}`}
            part="dpo"
            settings={settings.data}
            editable={dpo}
            onSaved={() => setSaved('dpo')}
          />
          <BrandingSection settings={settings.data} editable={manage} onSaved={setSaved} />
          <TimeZoneSection settings={settings.data} editable={manage} onSaved={() => setSaved('timeZone')} />
        </>
      )}
      <Toast
        opened={saved !== undefined}
        onClose={() => setSaved(undefined)}
        title={t('settings.general.saved.title')}
        testId="settings-saved"
      >
        {saved ? t(`settings.general.saved.${saved}`) : ''}
      </Toast>
    </Stack>
  )
}

function Section({
  title,
  intro,
  children,
  testId,
}: {
  title: string
  intro: string
  children: ReactNode
  testId: string
}) {
  return (
    <Paper withBorder radius="md" p="lg" data-testid={testId}>
      <Stack gap="sm">
        <Title order={2} size="h4">
          {title}
        </Title>
        <Text size="sm" c="dimmed">
          {intro}
        </Text>
        {children}
      </Stack>
    </Paper>
  )
}

/** The fields of a contact part, in the order shown. */
const CONTACT_FIELDS = {
  controller: ['name', 'address', 'email'],
  dpo: ['name', 'email', 'address'],
} as const

/** The controller's or the DPO's name, address and e-mail, saved on their own. */
function ContactSection({
  part,
  settings,
  editable,
  onSaved,
}: {
  part: 'controller' | 'dpo'
  settings: InstallationSettings
  editable: boolean
  onSaved: () => void
}) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const current = settings[part]
  const [draft, setDraft] = useState({
    name: current.name ?? '',
    address: current.address ?? '',
    email: current.email ?? '',
  })
  const [unchanged, setUnchanged] = useState(false)
  const save = useMutation({
    mutationFn: (patch: Partial<InstallationSettings['controller']>) =>
      part === 'dpo' ? updateDpoContact(patch) : updateSettings({ controller: patch }),
    onSuccess: (next) => {
      queryClient.setQueryData(settingsKeys.all(), next)
      onSaved()
    },
  })

  const fieldErrors: Partial<Record<'name' | 'address' | 'email', string>> = {}
  const other: string[] = []
  if (isProblem(save.error, 400))
    for (const e of save.error.errors) {
      const name = e.field.split('.').pop()
      if (name === 'name' || name === 'address' || name === 'email')
        fieldErrors[name] ??= name === 'email' ? t('settings.general.errors.email') : reasonText(t, e)
      else other.push(problemLine(t, e))
    }

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const patch = changesOf(current, draft)
    setUnchanged(patch === undefined)
    if (patch) save.mutate(patch)
  }
  const set = (name: keyof typeof draft, value: string) => {
    setDraft((previous) => ({ ...previous, [name]: value }))
    setUnchanged(false)
  }
  const input = (name: 'name' | 'address' | 'email') => ({
    label: t(`settings.general.${part}.${name}`),
    value: draft[name],
    onChange: (event: { currentTarget: { value: string } }) => set(name, event.currentTarget.value),
    disabled: !editable,
    error: fieldErrors[name],
    'data-testid': `settings-${part}-${name}`,
  })

  return (
    <Section
      title={t(`settings.general.${part}.title`)}
      intro={t(`settings.general.${part}.intro`)}
      testId={`settings-${part}`}
    >
      <form onSubmit={submit}>
        <Stack gap="sm">
          {CONTACT_FIELDS[part].map((name) =>
            name === 'address' ? (
              <Textarea key={name} {...input(name)} autosize minRows={2} maxRows={5} maxLength={500} />
            ) : (
              <TextInput
                key={name}
                {...input(name)}
                type={name === 'email' ? 'email' : 'text'}
                maxLength={name === 'email' ? 254 : 200}
                autoComplete="off"
              />
            ),
          )}
          {save.isError && (
            <SubmitErrorAlert
              message={t(saveErrorKey(save.error))}
              lines={other}
              testId={`settings-${part}-error`}
            />
          )}
          {unchanged && (
            <Text size="sm" c="dimmed" data-testid={`settings-${part}-unchanged`}>
              {t('settings.general.unchanged')}
            </Text>
          )}
          {editable && (
            <Group justify="flex-end">
              <Button type="submit" loading={save.isPending} data-testid={`settings-${part}-save`}>
                {t('settings.general.save')}
              </Button>
            </Group>
          )}
        </Stack>
      </form>
    </Section>
  )
}

/** The primary colour and the logo of the public pages and the mails. */
function BrandingSection({
  settings,
  editable,
  onSaved,
}: {
  settings: InstallationSettings
  editable: boolean
  onSaved: (what: Saved) => void
}) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const current = settings.branding.primaryColor ?? ''
  const [color, setColor] = useState(current)
  const [colorError, setColorError] = useState<string | undefined>(undefined)
  const [fileError, setFileError] = useState<string | undefined>(undefined)
  const stored = (next: InstallationSettings) => queryClient.setQueryData(settingsKeys.all(), next)
  const saveColor = useMutation({
    mutationFn: (primaryColor: string | null) => updateSettings({ branding: { primaryColor } }),
    onSuccess: (next) => {
      stored(next)
      setColor(next.branding.primaryColor ?? '')
      onSaved('color')
    },
  })
  const upload = useMutation({
    mutationFn: uploadLogo,
    onSuccess: (next) => {
      stored(next)
      onSaved('logo')
    },
  })
  const remove = useMutation({
    mutationFn: removeLogo,
    onSuccess: (next) => {
      stored(next)
      onSaved('logoRemoved')
    },
  })

  const submitColor = (event: FormEvent) => {
    event.preventDefault()
    const value = color.trim()
    if (value !== '' && !HEX_COLOR.test(value)) {
      setColorError(t('settings.general.errors.color'))
      return
    }
    setColorError(undefined)
    saveColor.mutate(value === '' ? null : value.toLowerCase())
  }

  const pick = (file: File | null) => {
    setFileError(undefined)
    upload.reset()
    if (!file) return
    if (file.type === 'image/svg+xml' || /\.svg$/i.test(file.name)) {
      setFileError(t('settings.general.branding.svgRefused'))
      return
    }
    if (!(LOGO_TYPES as readonly string[]).includes(file.type)) {
      setFileError(t('settings.general.branding.wrongType'))
      return
    }
    if (file.size > LOGO_MAX_BYTES) {
      setFileError(t('settings.general.branding.tooLarge', { kib: LOGO_MAX_BYTES / 1024 }))
      return
    }
    upload.mutate(file)
  }

  const logo = settings.branding.logo
  // Same origin as the UI (the server's public URL may name another host in development).
  const logoSrc = logo ? `/p/logo?v=${logo.sha256.slice(0, 16)}` : undefined
  const uploadError = upload.isError
    ? isProblem(upload.error, 415)
      ? t('settings.general.branding.svgRefused')
      : isProblem(upload.error, 413)
        ? t('settings.general.branding.tooLarge', { kib: LOGO_MAX_BYTES / 1024 })
        : isProblem(upload.error, 400)
          ? t('settings.general.branding.notAnImage')
          : t(saveErrorKey(upload.error))
    : undefined

  return (
    <Section
      title={t('settings.general.branding.title')}
      intro={t('settings.general.branding.intro')}
      testId="settings-branding"
    >
      <form onSubmit={submitColor}>
        <Stack gap="xs">
          <Group align="flex-end" gap="sm">
            <ColorInput
              label={t('settings.general.branding.color')}
              description={t('settings.general.branding.colorHint')}
              format="hex"
              swatches={SWATCHES}
              value={color}
              onChange={(value) => {
                setColor(value)
                setColorError(undefined)
              }}
              disabled={!editable}
              error={
                colorError ??
                (isProblem(saveColor.error, 400) ? t('settings.general.errors.color') : undefined)
              }
              placeholder="#1f4e8c"
              w={260}
              data-testid="settings-color"
            />
            {editable && (
              <Button type="submit" loading={saveColor.isPending} data-testid="settings-color-save">
                {t('settings.general.save')}
              </Button>
            )}
          </Group>
          {HEX_COLOR.test(color) && (
            <Group gap="xs" aria-hidden>
              <Text size="xs" c="dimmed">
                {t('settings.general.branding.preview')}
              </Text>
              <Box
                component="span"
                px="md"
                py={6}
                style={{ background: color, color: inkOn(color), borderRadius: 4, fontSize: 14 }}
                data-testid="settings-color-preview"
              >
                {t('settings.general.branding.previewButton')}
              </Box>
            </Group>
          )}
          {saveColor.isError && !isProblem(saveColor.error, 400) && (
            <SubmitErrorAlert
              message={t(saveErrorKey(saveColor.error))}
              lines={[]}
              testId="settings-color-error"
            />
          )}
        </Stack>
      </form>

      <Stack gap="xs" mt="sm">
        <Text size="sm" fw={500}>
          {t('settings.general.branding.logo')}
        </Text>
        {logo && logoSrc ? (
          <Group gap="md" align="center">
            <Image
              src={logoSrc}
              alt={t('settings.general.branding.logoAlt')}
              mah={64}
              maw={240}
              fit="contain"
              data-testid="settings-logo-preview"
            />
            <Text size="xs" c="dimmed">
              {t('settings.general.branding.logoInfo', {
                type: logo.mediaType === 'image/png' ? 'PNG' : 'JPEG',
                kib: Math.max(1, Math.round(logo.size / 1024)),
              })}
            </Text>
          </Group>
        ) : (
          <Text size="sm" c="dimmed" data-testid="settings-logo-none">
            {t('settings.general.branding.noLogo')}
          </Text>
        )}
        <Text size="xs" c="dimmed">
          {t('settings.general.branding.logoHint', { kib: LOGO_MAX_BYTES / 1024 })}
        </Text>
        {editable && (
          <Group gap="sm">
            <FileButton onChange={pick} accept="image/png,image/jpeg">
              {(props) => (
                <Button
                  {...props}
                  variant="light"
                  loading={upload.isPending}
                  data-testid="settings-logo-upload"
                >
                  {logo
                    ? t('settings.general.branding.replaceLogo')
                    : t('settings.general.branding.uploadLogo')}
                </Button>
              )}
            </FileButton>
            {logo && (
              <Button
                variant="subtle"
                color="red"
                loading={remove.isPending}
                onClick={() => remove.mutate()}
                data-testid="settings-logo-remove"
              >
                {t('settings.general.branding.removeLogo')}
              </Button>
            )}
          </Group>
        )}
        {(fileError ?? uploadError) && (
          <Alert color="red" variant="light" p="xs" role="alert" data-testid="settings-logo-error">
            {fileError ?? uploadError}
          </Alert>
        )}
      </Stack>

      <Group gap="md" mt="sm">
        <Text size="sm">{t('settings.general.branding.seeIt')}</Text>
        <Anchor
          href="/p/forms/newsletter"
          target="_blank"
          rel="noopener"
          size="sm"
          data-testid="settings-open-form"
        >
          {t('settings.general.branding.openForm')}
        </Anchor>
        <Anchor href="/p/portal" target="_blank" rel="noopener" size="sm" data-testid="settings-open-portal">
          {t('settings.general.branding.openPortal')}
        </Anchor>
      </Group>
    </Section>
  )
}

/** Text that reads on the colour: the same rule the public pages use (WCAG relative luminance). */
function inkOn(hex: string): string {
  const channel = (i: number) => {
    const c = Number.parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }
  const luminance = 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2)
  return luminance > 0.18 ? '#1a1a1a' : '#ffffff'
}

/** Why a save failed, as a key of `settings.general.errors`. */
function saveErrorKey(error: unknown) {
  if (isProblem(error, 400)) return 'settings.general.errors.invalid' as const
  if (isProblem(error, 403)) return 'settings.general.errors.forbidden' as const
  return 'settings.general.errors.failed' as const
}

/** The zones the browser knows (every IANA zone in current browsers), UTC first. */
const TIME_ZONES: readonly string[] = (() => {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : []
  return ['UTC', ...zones.filter((z) => z !== 'UTC')]
})()

/** The time zone mails and the privacy portal show times in (and name). */
function TimeZoneSection({
  settings,
  editable,
  onSaved,
}: {
  settings: InstallationSettings
  editable: boolean
  onSaved: () => void
}) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const save = useMutation({
    mutationFn: (timeZone: string) => updateSettings({ timeZone }),
    onSuccess: (next) => {
      queryClient.setQueryData(settingsKeys.all(), next)
      onSaved()
    },
  })
  const data = TIME_ZONES.includes(settings.timeZone) ? TIME_ZONES : [settings.timeZone, ...TIME_ZONES]
  return (
    <Section
      title={t('settings.general.timeZone.title')}
      intro={t('settings.general.timeZone.intro')}
      testId="settings-time-zone"
    >
      <Select
        label={t('settings.general.timeZone.label')}
        data={data}
        value={settings.timeZone}
        searchable
        allowDeselect={false}
        disabled={!editable || save.isPending}
        onChange={(value) => {
          if (value && value !== settings.timeZone) save.mutate(value)
        }}
        maw={360}
        data-testid="settings-time-zone-select"
        error={save.isError ? t('settings.general.timeZone.error') : undefined}
      />
    </Section>
  )
}
