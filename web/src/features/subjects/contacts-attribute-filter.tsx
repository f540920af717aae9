import {
  Button,
  Group,
  MultiSelect,
  Pill,
  type PillProps,
  Select,
  Stack,
  Text,
  TextInput,
} from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import { type FormEvent, useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { currentLanguage } from '../../app/i18n'
import { useFieldCategories } from '../auth/permissions'
import { type CatalogField, fieldCatalogQueryOptions, filterableAttributes } from './fields.api'
import type { AttributeFilters, AttributeFilterValue } from './subjects.api'

type Draft = string | string[]

/** The typed draft as the value the server expects for the field's type, or undefined when it is not one. */
function toFilterValue(field: CatalogField, draft: Draft): AttributeFilterValue | undefined {
  if (Array.isArray(draft)) return draft.length > 0 ? draft : undefined
  const value = draft.trim()
  if (value === '') return undefined
  switch (field.dataType) {
    case 'number': {
      const number = Number(value.replace(',', '.'))
      return Number.isFinite(number) ? number : undefined
    }
    case 'boolean':
      return value === 'true' ? true : value === 'false' ? false : undefined
    case 'multi_enum':
      return [value]
    default:
      return value
  }
}

/** The catalog's label of an attribute in the UI language; the key for one the catalog does not know. */
function useFieldLabel(fields: readonly CatalogField[] | undefined): (key: string) => string {
  // Re-rendered when the language changes.
  useTranslation()
  const language = currentLanguage()
  return (key) => fields?.find((f) => f.key === key)?.label[language] ?? key
}

/** A filter's value as text: lists joined, yes / no translated. */
function useValueText(): (value: AttributeFilterValue) => string {
  const { t } = useTranslation()
  return (value) => {
    if (Array.isArray(value)) return value.join(', ')
    if (typeof value === 'boolean')
      return value ? t('subjects.attributeFilter.yes') : t('subjects.attributeFilter.no')
    return String(value)
  }
}

/**
 * The attribute filters of the contacts list: pick an attribute the role may see and a value; the
 * applied filters are chips that remove themselves. Only pseudonymous attributes, so the filters
 * may live in the URL.
 */
export function AttributeFilterBar({
  filters,
  onChange,
  refusedKey,
}: {
  filters: AttributeFilters | undefined
  onChange: (next: AttributeFilters | undefined) => void
  /** An applied filter the server refused (shown highlighted). */
  refusedKey?: string
}) {
  const { t } = useTranslation()
  const catalog = useQuery(fieldCatalogQueryOptions())
  const categories = useFieldCategories()
  const label = useFieldLabel(catalog.data)
  const valueText = useValueText()
  const chipsLabelId = useId()
  const applied = Object.entries(filters ?? {})
  const offered = catalog.data && categories ? filterableAttributes(catalog.data, categories) : []

  const remove = (key: string) => {
    const { [key]: _removed, ...rest } = filters ?? {}
    onChange(Object.keys(rest).length > 0 ? rest : undefined)
  }

  // Nothing to offer (yet) and nothing applied: no row at all.
  if (offered.length === 0 && applied.length === 0) return null
  return (
    <Stack gap="xs" data-testid="contacts-attribute-filter">
      {offered.length > 0 && (
        <AttributeFilterForm
          fields={offered}
          onAdd={(key, value) => onChange({ ...(filters ?? {}), [key]: value })}
        />
      )}
      {applied.length > 0 && (
        <Group gap="xs" align="center">
          <Text size="sm" c="dimmed" id={chipsLabelId}>
            {t('subjects.attributeFilter.applied')}
          </Text>
          <Pill.Group aria-labelledby={chipsLabelId} data-testid="contacts-attribute-chips">
            {applied.map(([key, value]) => {
              const text = t('subjects.attributeFilter.chip', { field: label(key), value: valueText(value) })
              return (
                <Pill
                  key={key}
                  size="md"
                  withRemoveButton
                  onRemove={() => remove(key)}
                  removeButtonProps={
                    {
                      // Mantine hides the button from keyboards and screen readers (made for
                      // PillsInput, where Backspace removes); here it is the only way to remove.
                      tabIndex: 0,
                      'aria-hidden': false,
                      'aria-label': t('subjects.attributeFilter.remove', { filter: text }),
                      'data-testid': 'contacts-attribute-chip-remove',
                    } as PillProps['removeButtonProps']
                  }
                  data-testid="contacts-attribute-chip"
                  data-key={key}
                  data-refused={refusedKey === key ? 'true' : undefined}
                  bg={refusedKey === key ? 'var(--mantine-color-red-light)' : undefined}
                >
                  {text}
                </Pill>
              )
            })}
          </Pill.Group>
          {applied.length > 1 && (
            <Button
              variant="subtle"
              size="compact-xs"
              onClick={() => onChange(undefined)}
              data-testid="contacts-attribute-clear"
            >
              {t('subjects.attributeFilter.clearAll')}
            </Button>
          )}
        </Group>
      )}
    </Stack>
  )
}

function AttributeFilterForm({
  fields,
  onAdd,
}: {
  fields: CatalogField[]
  onAdd: (key: string, value: AttributeFilterValue) => void
}) {
  const { t } = useTranslation()
  const language = currentLanguage()
  const [key, setKey] = useState<string | null>(null)
  const [draft, setDraft] = useState<Draft>('')
  const [invalid, setInvalid] = useState(false)
  const errorId = useId()
  const field = fields.find((f) => f.key === key)

  const choose = (next: string | null) => {
    setKey(next)
    setDraft(fields.find((f) => f.key === next)?.dataType === 'multi_enum' ? [] : '')
    setInvalid(false)
  }
  const change = (next: Draft) => {
    setDraft(next)
    setInvalid(false)
  }
  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!field) return
    const value = toFilterValue(field, draft)
    if (value === undefined) {
      setInvalid(true)
      return
    }
    onAdd(field.key, value)
    choose(null)
  }

  const valueLabel = t('subjects.attributeFilter.value')
  const common = {
    label: valueLabel,
    w: 220,
    'data-testid': 'contacts-attribute-value',
    // The message is below the row, so the inputs stay aligned.
    error: invalid,
    'aria-describedby': invalid ? errorId : undefined,
  }
  const valueInput = !field ? (
    <TextInput {...common} disabled placeholder={t('subjects.attributeFilter.pickFirst')} value="" readOnly />
  ) : field.dataType === 'enum' || field.dataType === 'boolean' ? (
    <Select
      {...common}
      placeholder={t('subjects.attributeFilter.choose')}
      data={
        field.dataType === 'boolean'
          ? [
              { value: 'true', label: t('subjects.attributeFilter.yes') },
              { value: 'false', label: t('subjects.attributeFilter.no') },
            ]
          : field.options
      }
      value={typeof draft === 'string' && draft !== '' ? draft : null}
      onChange={(value) => change(value ?? '')}
      searchable
      comboboxProps={{ withinPortal: true }}
    />
  ) : field.dataType === 'multi_enum' ? (
    <MultiSelect
      {...common}
      placeholder={t('subjects.attributeFilter.allOf')}
      data={field.options}
      value={Array.isArray(draft) ? draft : []}
      onChange={change}
      searchable
    />
  ) : (
    <TextInput
      {...common}
      type={field.dataType === 'number' ? 'number' : field.dataType === 'date' ? 'date' : 'text'}
      autoComplete="off"
      maxLength={field.dataType === 'text' ? 1_000 : undefined}
      value={typeof draft === 'string' ? draft : ''}
      onChange={(event) => change(event.currentTarget.value)}
    />
  )

  return (
    <form
      onSubmit={submit}
      aria-label={t('subjects.attributeFilter.title')}
      data-testid="contacts-attribute-form"
    >
      <Group gap="sm" align="flex-end" wrap="wrap">
        <Select
          label={t('subjects.attributeFilter.attribute')}
          placeholder={t('subjects.attributeFilter.choose')}
          data={fields.map((f) => ({ value: f.key, label: f.label[language] }))}
          value={key}
          onChange={choose}
          searchable
          clearable
          w={220}
          data-testid="contacts-attribute-key"
        />
        {valueInput}
        <Button type="submit" variant="default" disabled={!field} data-testid="contacts-attribute-add">
          {t('subjects.attributeFilter.add')}
        </Button>
      </Group>
      {invalid && (
        <Text size="xs" c="red" mt={4} id={errorId} role="alert" data-testid="contacts-attribute-invalid">
          {t(`subjects.attributeFilter.invalid.${field?.dataType ?? 'text'}`)}
        </Text>
      )}
    </form>
  )
}
