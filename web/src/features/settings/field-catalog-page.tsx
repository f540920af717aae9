import {
  Badge,
  Button,
  Center,
  Code,
  Group,
  Loader,
  Modal,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ErrorState } from '../../app/error-state'
import { currentLanguage } from '../../app/i18n'
import { Toast } from '../../app/toast'
import { usePermissions } from '../auth/permissions'
import { isOneOf, purposesQueryOptions } from '../subjects/contact-overview.api'
import { type CatalogField, fieldCatalogQueryOptions } from '../subjects/fields.api'
import { durationParts, FIELD_CATEGORIES, SPECIAL_CATEGORIES } from './field-catalog.api'
import { FieldForm } from './field-form'
import { useOptionLabel } from './option-labels'

/** "All categories" in the filter. */
const ALL = 'all'

/** A retention period in words ("2 years", "1 year 6 months"); the ISO text for anything else. */
function useRetentionText(): (period: string) => string {
  const { t } = useTranslation()
  return (period) => {
    const parts = durationParts(period)
    if (!parts) return period
    return parts.map(([count, unit]) => t(`fields.duration.${unit}`, { count })).join(' ')
  }
}

/**
 * The field catalog (Settings → Fields): every identifier and attribute with its category, whether
 * it is an encrypted identifier, whether it is a special category (Art. 9), the purposes it serves
 * and how long it is kept; grouped by category. Admins and the DPO (`fields:manage`) add attributes
 * and edit fields; everyone else reads.
 */
export function FieldCatalogPage() {
  const { t } = useTranslation()
  const { can } = usePermissions()
  const catalog = useQuery(fieldCatalogQueryOptions())
  const [category, setCategory] = useState<string>(ALL)
  const [editing, setEditing] = useState<CatalogField | 'new' | undefined>(undefined)
  const [saved, setSaved] = useState<string | undefined>(undefined)
  const manage = can('fields:manage')

  const fields = catalog.data ?? []
  // In the order of the categories, then any category this UI does not know yet.
  const categories = [
    ...FIELD_CATEGORIES.filter((c) => fields.some((f) => f.category === c)),
    ...new Set(fields.map((f) => f.category).filter((c) => !isOneOf(FIELD_CATEGORIES, c))),
  ]
  const shown = category === ALL ? categories : categories.filter((c) => c === category)
  const categoryLabel = (c: string) => (isOneOf(FIELD_CATEGORIES, c) ? t(`fields.categories.${c}`) : c)

  return (
    <Stack gap="md" maw={1200} data-testid="field-catalog-page">
      <Group justify="space-between" align="flex-end">
        <Title order={1} size="h2">
          {t('fields.title')}
        </Title>
        {manage && (
          <Button onClick={() => setEditing('new')} data-testid="field-add" aria-haspopup="dialog">
            {t('fields.add')}
          </Button>
        )}
      </Group>
      <Text size="sm" c="dimmed" maw={760}>
        {t('fields.intro')}
      </Text>
      {catalog.isPending ? (
        <Center py="xl">
          <Loader size="sm" aria-label={t('common.loading')} />
        </Center>
      ) : catalog.isError ? (
        <ErrorState
          title={t('fields.error')}
          error={catalog.error}
          onRetry={() => void catalog.refetch()}
          testId="field-catalog-error"
        />
      ) : (
        <>
          <Select
            label={t('fields.filter')}
            data={[
              { value: ALL, label: t('fields.allCategories') },
              ...categories.map((c) => ({ value: c, label: categoryLabel(c) })),
            ]}
            value={category}
            onChange={(value) => setCategory(value ?? ALL)}
            allowDeselect={false}
            w={280}
            data-testid="field-category-filter"
          />
          {shown.map((c) => (
            <CategoryTable
              key={c}
              category={c}
              title={categoryLabel(c)}
              fields={fields.filter((f) => f.category === c)}
              onEdit={manage ? (field) => setEditing(field) : undefined}
            />
          ))}
        </>
      )}
      <Modal
        opened={editing !== undefined}
        onClose={() => setEditing(undefined)}
        title={
          editing === 'new'
            ? t('fields.form.addTitle')
            : t('fields.form.editTitle', { field: editing?.label[currentLanguage()] ?? '' })
        }
        size="xl"
        closeButtonProps={{ 'aria-label': t('common.close') }}
      >
        {editing !== undefined && (
          <FieldForm
            field={editing === 'new' ? undefined : editing}
            onCancel={() => setEditing(undefined)}
            onSaved={(field) => {
              setEditing(undefined)
              setSaved(field.label[currentLanguage()])
            }}
          />
        )}
      </Modal>
      <Toast
        opened={saved !== undefined}
        onClose={() => setSaved(undefined)}
        title={t('fields.saved.title')}
        testId="field-saved"
      >
        {t('fields.saved.body', { field: saved ?? '' })}
      </Toast>
    </Stack>
  )
}

function CategoryTable({
  category,
  title,
  fields,
  onEdit,
}: {
  category: string
  title: string
  fields: CatalogField[]
  onEdit: ((field: CatalogField) => void) | undefined
}) {
  const { t } = useTranslation()
  const language = currentLanguage()
  const purposes = useQuery(purposesQueryOptions())
  const retentionText = useRetentionText()
  const optionLabel = useOptionLabel()
  const purposeName = (key: string) => purposes.data?.find((p) => p.key === key)?.name[language] ?? key
  // The purposes that use a field through its category (the purpose's scope, Art. 5(1)(c)); a
  // special category (Art. 9) serves only the purposes it names itself.
  const viaCategory = (field: CatalogField) =>
    field.special
      ? []
      : (purposes.data ?? [])
          .filter((p) => p.scope.fieldCategories.includes(field.category) && !field.purposes.includes(p.key))
          .map((p) => p.name[language])
  const headingId = `field-category-${category}`
  return (
    <Paper withBorder radius="md" p="md" data-testid="field-category" data-category={category}>
      <Stack gap="xs">
        <Title order={2} size="h4" id={headingId}>
          {title}
        </Title>
        <Table.ScrollContainer minWidth={900}>
          <Table layout="fixed" verticalSpacing="xs" aria-labelledby={headingId} data-testid="field-table">
            <Table.Thead>
              <Table.Tr>
                {/* Fixed widths, so the columns line up from one category's table to the next. */}
                <Table.Th w="20%">{t('fields.columns.field')}</Table.Th>
                <Table.Th w="14%">{t('fields.columns.type')}</Table.Th>
                <Table.Th w="12%">{t('fields.columns.identifier')}</Table.Th>
                <Table.Th w="14%">{t('fields.columns.special')}</Table.Th>
                <Table.Th w="18%">{t('fields.columns.purposes')}</Table.Th>
                <Table.Th>{t('fields.columns.retention')}</Table.Th>
                {onEdit && (
                  <Table.Th w={110}>
                    <VisuallyHidden>{t('fields.columns.actions')}</VisuallyHidden>
                  </Table.Th>
                )}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {fields.map((field) => (
                <Table.Tr key={field.key} data-testid="field-row" data-key={field.key}>
                  <Table.Td>
                    <Stack gap={0}>
                      <Text size="sm" fw={500} data-testid="field-label">
                        {field.label[language]}
                      </Text>
                      <Code fz="xs" bg="transparent" p={0} data-testid="field-key">
                        {field.key}
                      </Code>
                    </Stack>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{t(`fields.dataTypes.${field.dataType}`)}</Text>
                    {field.options.length > 0 && (
                      <Text size="xs" c="dimmed" data-testid="field-options" title={field.options.join(', ')}>
                        {field.options.map((o) => optionLabel(field.key, o)).join(', ')}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td data-testid="field-identifier" data-value={field.identifier}>
                    {field.identifier ? (
                      <Badge size="sm" variant="light" color="indigo">
                        {t('fields.identifier.yes')}
                      </Badge>
                    ) : (
                      <Text size="sm" c="dimmed">
                        {t('fields.identifier.no')}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td data-testid="field-special" data-value={field.special ?? ''}>
                    {field.special ? (
                      <Badge size="sm" variant="light" color="red">
                        {isOneOf(SPECIAL_CATEGORIES, field.special)
                          ? t(`fields.special.${field.special}`)
                          : field.special}
                      </Badge>
                    ) : (
                      <Text size="sm" c="dimmed">
                        {t('fields.identifier.no')}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <PurposesCell
                      named={field.purposes.map(purposeName)}
                      namedKeys={field.purposes}
                      viaCategory={viaCategory(field)}
                    />
                  </Table.Td>
                  <Table.Td data-testid="field-retention" data-value={field.retentionPeriod ?? ''}>
                    <Text size="sm">
                      {field.retentionPeriod
                        ? retentionText(field.retentionPeriod)
                        : t('fields.retentionWithContact')}
                    </Text>
                    {field.retentionRule && (
                      <Text size="xs" c="dimmed">
                        {field.retentionRule[language]}
                      </Text>
                    )}
                  </Table.Td>
                  {onEdit && (
                    <Table.Td>
                      <Button
                        size="xs"
                        variant="subtle"
                        onClick={() => onEdit(field)}
                        aria-haspopup="dialog"
                        aria-label={t('fields.editLabel', { field: field.label[language] })}
                        data-testid="field-edit"
                      >
                        {t('fields.edit')}
                      </Button>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Stack>
    </Paper>
  )
}

/** How many names of purposes using a field through its category are listed before "+n". */
const VIA_CATEGORY_SHOWN = 3

/**
 * The purposes a field serves: those it names itself (badges), then those that use it through its
 * category; "None yet" only when there is neither.
 */
function PurposesCell({
  named,
  namedKeys,
  viaCategory,
}: {
  named: string[]
  namedKeys: string[]
  viaCategory: string[]
}) {
  const { t } = useTranslation()
  if (named.length === 0 && viaCategory.length === 0)
    return (
      <Text size="sm" c="dimmed" data-testid="field-purposes" data-value="">
        {t('fields.noPurposes')}
      </Text>
    )
  const more = viaCategory.length - VIA_CATEGORY_SHOWN
  return (
    <Stack gap={4}>
      {named.length > 0 && (
        <Group gap={4} data-testid="field-purposes" data-value={namedKeys.join(',')}>
          {named.map((name, i) => (
            <Badge
              key={namedKeys[i]}
              size="sm"
              variant="outline"
              color="gray"
              tt="none"
              radius="sm"
              styles={{ label: { overflow: 'visible', textOverflow: 'clip', whiteSpace: 'normal' } }}
              h="auto"
            >
              {name}
            </Badge>
          ))}
        </Group>
      )}
      {viaCategory.length > 0 && (
        <Text size="xs" c="dimmed" title={viaCategory.join(', ')} data-testid="field-purposes-via-category">
          {t('fields.viaCategory', {
            purposes: viaCategory.slice(0, VIA_CATEGORY_SHOWN).join(', '),
            count: Math.max(more, 0),
          })}
        </Text>
      )}
    </Stack>
  )
}
