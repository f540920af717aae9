import { Button, Divider, Popover, Select, Stack, Text } from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { currentLanguage } from '../../app/i18n'
import { usePermissions } from '../auth/permissions'
import { recipientsQueryOptions } from '../privacy/recipients.api'
import { useContactFormat } from './contact-format'
import { DENIAL_RULES, isOneOf, type PurposeSummary, useRolePurposes } from './contact-overview.api'
import { EXPORT_FORMATS, exportPreviewQueryOptions, type SubjectKind, subjectExportUrl } from './subjects.api'

/** The purpose an export is for unless another is chosen (the server's default too). */
const DEFAULT_PURPOSE = 'contact_management'

/** The channel a use of the purpose means by default: `none` where it has it, else its only one (the gate's rule). */
const defaultChannelOf = (purpose: PurposeSummary): string | undefined =>
  purpose.channels.includes('none') ? 'none' : purpose.channels[0]

/**
 * "Export" on the contacts list: the contacts of the current kind filter as CSV (German Excel) or
 * XLSX, for a purpose the role may act under (Art. 5(1)(b)) and, where it has several, a channel.
 * The server writes only the subjects the purpose may use, only the fields the role and the purpose
 * may see, and records the export in the audit trail.
 */
export function ContactsExport({ kind }: { kind: SubjectKind | undefined }) {
  const { t } = useTranslation()
  const language = currentLanguage()
  const format = useContactFormat()
  const purposes = useRolePurposes()
  const [opened, setOpened] = useState(false)
  const [chosen, setChosen] = useState<string | null>(null)
  const [channel, setChannel] = useState<string | null>(null)
  const [recipient, setRecipient] = useState<string>('internal')
  // Who receives the file: internal, or a recipient whose transfer is lawful today and who receives
  // data for the purpose (the server checks the same, Art. 44; the others are shown, disabled).
  const { can } = usePermissions()
  const recipients = useQuery({ ...recipientsQueryOptions(), enabled: opened && can('purposes:read') })

  const offered = purposes.data ?? []
  const purpose =
    offered.find((p) => p.key === chosen) ?? offered.find((p) => p.key === DEFAULT_PURPOSE) ?? offered[0]
  const channels = purpose?.channels ?? []
  const usedChannel =
    purpose && channel !== null && channels.includes(channel) ? channel : purpose && defaultChannelOf(purpose)

  return (
    <Popover
      opened={opened}
      onChange={setOpened}
      position="bottom-end"
      width={340}
      withinPortal
      trapFocus
      shadow="md"
    >
      <Popover.Target>
        <Button
          variant="default"
          onClick={() => setOpened((o) => !o)}
          aria-haspopup="dialog"
          aria-expanded={opened}
          data-testid="contacts-export"
        >
          {t('subjects.export.button')}
        </Button>
      </Popover.Target>
      <Popover.Dropdown data-testid="contacts-export-menu" aria-label={t('subjects.export.button')}>
        <Stack gap="sm">
          <Text size="xs" c="dimmed" fw={500}>
            {kind
              ? t('subjects.export.scopeKind', { kind: t(`subjects.kinds.${kind}`) })
              : t('subjects.export.scopeAll')}
          </Text>
          <Select
            label={t('subjects.export.purpose')}
            description={t('subjects.export.purposeHint')}
            data={offered.map((p) => ({ value: p.key, label: p.name[language] }))}
            value={purpose?.key ?? null}
            onChange={(value) => {
              setChosen(value)
              setChannel(null)
            }}
            allowDeselect={false}
            disabled={purposes.isPending}
            error={purposes.isError ? t('subjects.export.purposesFailed') : undefined}
            // Inside the popover, so choosing an option is not a click outside it.
            comboboxProps={{ withinPortal: false }}
            data-testid="contacts-export-purpose"
          />
          {channels.length > 1 && (
            <Select
              label={t('subjects.export.channel')}
              description={t('subjects.export.channelHint')}
              data={channels.map((c) => ({ value: c, label: format.channel(c) }))}
              value={usedChannel ?? null}
              onChange={setChannel}
              allowDeselect={false}
              comboboxProps={{ withinPortal: false }}
              data-testid="contacts-export-channel"
            />
          )}
          <Select
            label={t('subjects.export.recipient')}
            description={t('subjects.export.recipientHint')}
            data={[
              { value: 'internal', label: t('subjects.export.internal') },
              ...(recipients.data ?? [])
                .filter((r) => r.retiredAt === null)
                .map((r) => ({
                  value: r.id,
                  label: `${r.name} (${r.country})`,
                  disabled: !r.verdict.lawful || (purpose !== undefined && !r.purposes.includes(purpose.key)),
                })),
            ]}
            value={recipient}
            onChange={(value) => setRecipient(value ?? 'internal')}
            allowDeselect={false}
            comboboxProps={{ withinPortal: false }}
            data-testid="contacts-export-recipient"
          />
          <ExportPreviewLine
            kind={kind}
            use={{
              purpose: purpose?.key,
              channel: purpose ? usedChannel : undefined,
              recipient: recipient === 'internal' ? undefined : recipient,
            }}
            enabled={opened && purpose !== undefined}
          />
          <Divider />
          <Stack gap={2}>
            <Text size="xs" c="dimmed" fw={500}>
              {t('subjects.export.format')}
            </Text>
            {EXPORT_FORMATS.map((f) => (
              <Button
                key={f}
                component="a"
                href={subjectExportUrl(f, kind, {
                  purpose: purpose?.key,
                  channel: purpose ? usedChannel : undefined,
                  recipient: recipient === 'internal' ? undefined : recipient,
                })}
                download
                variant="subtle"
                justify="flex-start"
                fullWidth
                onClick={() => setOpened(false)}
                data-testid={`contacts-export-${f}`}
              >
                {t(`subjects.export.formats.${f}`)}
              </Button>
            ))}
          </Stack>
          <Text size="xs" c="dimmed" data-testid="contacts-export-note">
            {t('subjects.export.note')}
          </Text>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  )
}

/**
 * What the export will hold, said before it is made: how many people, how many the purpose leaves
 * out and why, and which columns are withheld (the role, the purpose or the recipient).
 */
function ExportPreviewLine({
  kind,
  use,
  enabled,
}: {
  kind: SubjectKind | undefined
  use: { purpose?: string | undefined; channel?: string | undefined; recipient?: string | undefined }
  enabled: boolean
}) {
  const { t } = useTranslation()
  const preview = useQuery(exportPreviewQueryOptions(kind, use, enabled))
  if (!preview.data) return null
  const { total, excluded, excludedBy, withheld } = preview.data
  const why = Object.entries(excludedBy)
    .map(
      ([rule, n]) => `${isOneOf(DENIAL_RULES, rule) ? t(`contact.permissions.denials.${rule}`) : rule}: ${n}`,
    )
    .join(', ')
  return (
    <Stack gap={2} data-testid="contacts-export-preview" data-total={total} data-excluded={excluded}>
      <Text size="sm">{t('subjects.export.preview.total', { count: total })}</Text>
      {excluded > 0 && (
        <Text size="xs" c="dimmed" data-testid="contacts-export-excluded">
          {t('subjects.export.preview.excluded', { count: excluded, why })}
        </Text>
      )}
      {withheld.length > 0 && (
        <Text size="xs" c="dimmed" data-testid="contacts-export-withheld">
          {t('subjects.export.preview.withheld', { fields: withheld.join(', ') })}
        </Text>
      )}
    </Stack>
  )
}
