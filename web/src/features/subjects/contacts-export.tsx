import { Button, Menu, Text } from '@mantine/core'
import { useTranslation } from 'react-i18next'
import { EXPORT_FORMATS, type SubjectKind, subjectExportUrl } from './subjects.api'

/**
 * "Export" on the contacts list: the contacts of the current kind filter as CSV (German Excel) or
 * XLSX. The server writes only the fields the role may see and records the export in the audit trail.
 */
export function ContactsExport({ kind }: { kind: SubjectKind | undefined }) {
  const { t } = useTranslation()
  return (
    <Menu position="bottom-end" width={300} withinPortal>
      <Menu.Target>
        <Button variant="default" data-testid="contacts-export">
          {t('subjects.export.button')}
        </Button>
      </Menu.Target>
      <Menu.Dropdown data-testid="contacts-export-menu">
        <Menu.Label>
          {kind
            ? t('subjects.export.scopeKind', { kind: t(`subjects.kinds.${kind}`) })
            : t('subjects.export.scopeAll')}
        </Menu.Label>
        {EXPORT_FORMATS.map((format) => (
          <Menu.Item
            key={format}
            component="a"
            href={subjectExportUrl(format, kind)}
            download
            data-testid={`contacts-export-${format}`}
          >
            {t(`subjects.export.formats.${format}`)}
          </Menu.Item>
        ))}
        <Menu.Divider />
        <Text size="xs" c="dimmed" px="sm" py={4} data-testid="contacts-export-note">
          {t('subjects.export.note')}
        </Text>
      </Menu.Dropdown>
    </Menu>
  )
}
