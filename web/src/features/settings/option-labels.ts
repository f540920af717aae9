import { useTranslation } from 'react-i18next'

/** A raw option value made readable when no label is known: `lactose_free` -> `Lactose free`. */
export function humanise(value: string): string {
  const words = value.replace(/[_]+/g, ' ').trim()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

/**
 * The label of a choice field's option in the UI language: the seeded fields' options have labels
 * under `fields.optionLabels.<field>.<value>`; an option an admin typed is shown readable, as typed.
 */
export function useOptionLabel(): (field: string, value: string) => string {
  const { t, i18n } = useTranslation()
  return (field, value) => {
    const key = `fields.optionLabels.${field}.${value}`
    return i18n.exists(key) ? (t as unknown as (k: string) => string)(key) : humanise(value)
  }
}
