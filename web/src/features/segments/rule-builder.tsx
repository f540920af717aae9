import {
  ActionIcon,
  Button,
  Card,
  Group,
  MultiSelect,
  NumberInput,
  SegmentedControl,
  Select,
  Stack,
  TagsInput,
  TextInput,
} from '@mantine/core'
import { useTranslation } from 'react-i18next'
import { CHANNELS } from '../../../../src/privacy/purposes/purpose'
import { SUBJECT_KINDS } from '../subjects/subjects.api'
import {
  COMPARISONS,
  CONDITION_TYPES,
  type ConditionType,
  MAX_DEPTH,
  newCondition,
  ORDER_MEASURES,
  SCORE_BANDS,
  SCORE_MEASURES,
  type SegmentCondition,
  type SegmentGroup,
  type SegmentNode,
} from './segments.api'

/** What the builder offers to pick from: the catalog's attributes and the purposes with their channels. */
export interface BuilderOptions {
  attributes: { value: string; label: string }[]
  purposes: { value: string; label: string; channels: string[] }[]
}

/**
 * The rule builder: an AND/OR group of conditions and groups (nested up to the server's depth),
 * each condition a type with its field, operator and value. Controlled: every edit hands the whole
 * new tree to `onChange`. `path` names the group as the server's problems do (`rules.conditions.1`).
 */
export function RuleGroupEditor({
  group,
  onChange,
  onRemove,
  options,
  depth = 1,
  path = 'rules',
  errors,
}: {
  group: SegmentGroup
  onChange: (group: SegmentGroup) => void
  onRemove?: () => void
  options: BuilderOptions
  depth?: number
  path?: string
  /** The server's complaints by path, shown at the condition they name. */
  errors: ReadonlyMap<string, string>
}) {
  const { t } = useTranslation()
  const setChild = (index: number, child: SegmentNode) =>
    onChange({ ...group, conditions: group.conditions.map((c, i) => (i === index ? child : c)) })
  const removeChild = (index: number) =>
    onChange({ ...group, conditions: group.conditions.filter((_, i) => i !== index) })
  return (
    <Card withBorder padding="sm" data-testid={`segment-group-${path}`}>
      <Stack gap="xs">
        <Group justify="space-between">
          <SegmentedControl
            size="xs"
            value={group.combine}
            onChange={(value) => onChange({ ...group, combine: value === 'or' ? 'or' : 'and' })}
            data={[
              { value: 'and', label: t('segments.builder.and') },
              { value: 'or', label: t('segments.builder.or') },
            ]}
            aria-label={t('segments.builder.combine')}
          />
          {onRemove && (
            <Button size="compact-xs" variant="subtle" color="red" onClick={onRemove}>
              {t('segments.builder.removeGroup')}
            </Button>
          )}
        </Group>
        {group.conditions.map((child, index) => {
          const childPath = `${path}.conditions.${index}`
          return child.type === 'group' ? (
            <RuleGroupEditor
              // biome-ignore lint/suspicious/noArrayIndexKey: conditions have no identity but their place
              key={index}
              group={child}
              onChange={(next) => setChild(index, next)}
              onRemove={() => removeChild(index)}
              options={options}
              depth={depth + 1}
              path={childPath}
              errors={errors}
            />
          ) : (
            <ConditionEditor
              // biome-ignore lint/suspicious/noArrayIndexKey: conditions have no identity but their place
              key={index}
              condition={child}
              onChange={(next) => setChild(index, next)}
              onRemove={group.conditions.length > 1 ? () => removeChild(index) : undefined}
              options={options}
              path={childPath}
              error={[...errors].find(([p]) => p === childPath || p.startsWith(`${childPath}.`))?.[1]}
            />
          )
        })}
        <Group gap="xs">
          <Button
            size="compact-sm"
            variant="light"
            onClick={() =>
              onChange({ ...group, conditions: [...group.conditions, newCondition('attribute')] })
            }
            data-testid={`segment-add-condition-${path}`}
          >
            {t('segments.builder.addCondition')}
          </Button>
          {depth < MAX_DEPTH && (
            <Button
              size="compact-sm"
              variant="subtle"
              onClick={() =>
                onChange({
                  ...group,
                  conditions: [
                    ...group.conditions,
                    {
                      type: 'group',
                      combine: group.combine === 'and' ? 'or' : 'and',
                      conditions: [newCondition('kind')],
                    },
                  ],
                })
              }
            >
              {t('segments.builder.addGroup')}
            </Button>
          )}
        </Group>
      </Stack>
    </Card>
  )
}

function ConditionEditor({
  condition,
  onChange,
  onRemove,
  options,
  path,
  error,
}: {
  condition: SegmentCondition
  onChange: (condition: SegmentCondition) => void
  onRemove: (() => void) | undefined
  options: BuilderOptions
  path: string
  error: string | undefined
}) {
  const { t } = useTranslation()
  const comparisons = COMPARISONS.map((c) => ({ value: c, label: t(`segments.builder.comparison.${c}`) }))
  let fields: React.ReactNode = null
  switch (condition.type) {
    case 'kind':
      fields = (
        <MultiSelect
          size="xs"
          aria-label={t('segments.builder.kinds')}
          data={SUBJECT_KINDS.map((k) => ({ value: k, label: t(`subjects.kinds.${k}`) }))}
          value={[...condition.kinds]}
          onChange={(kinds) =>
            kinds.length > 0 && onChange({ ...condition, kinds: kinds as typeof condition.kinds })
          }
          miw={220}
        />
      )
      break
    case 'attribute':
      fields = (
        <>
          <Select
            size="xs"
            aria-label={t('segments.builder.field')}
            data={options.attributes}
            value={condition.field}
            onChange={(field) => field && onChange({ ...condition, field })}
            w={160}
            data-testid={`segment-field-${path}`}
          />
          <Select
            size="xs"
            aria-label={t('segments.builder.operator')}
            data={[
              { value: 'in', label: t('segments.builder.in') },
              { value: 'notIn', label: t('segments.builder.notIn') },
            ]}
            value={condition.op}
            onChange={(op) => op && onChange({ ...condition, op: op === 'notIn' ? 'notIn' : 'in' })}
            w={120}
          />
          <TagsInput
            size="xs"
            aria-label={t('segments.builder.values')}
            value={condition.values.map(String)}
            onChange={(values) => values.length > 0 && onChange({ ...condition, values })}
            miw={200}
            data-testid={`segment-values-${path}`}
          />
        </>
      )
      break
    case 'touchpoints':
      fields = (
        <>
          <TextInput
            size="xs"
            aria-label={t('segments.builder.touchpointType')}
            placeholder={t('segments.builder.anyType')}
            value={condition.touchpointType ?? ''}
            onChange={(e) => {
              const { touchpointType: _, ...rest } = condition
              const value = e.currentTarget.value.trim()
              onChange(value ? { ...rest, touchpointType: value } : rest)
            }}
            w={140}
          />
          <Select
            size="xs"
            aria-label={t('segments.builder.channel')}
            placeholder={t('segments.builder.anyChannel')}
            clearable
            data={[...CHANNELS]}
            value={condition.channel ?? null}
            onChange={(channel) => {
              const { channel: _, ...rest } = condition
              onChange(channel ? { ...rest, channel: channel as (typeof CHANNELS)[number] } : rest)
            }}
            w={120}
          />
          <Select
            size="xs"
            aria-label={t('segments.builder.operator')}
            data={comparisons}
            value={condition.op}
            onChange={(op) => op && onChange({ ...condition, op: op as 'gte' | 'lte' })}
            w={110}
          />
          <NumberInput
            size="xs"
            aria-label={t('segments.builder.count')}
            min={0}
            allowDecimal={false}
            value={condition.value}
            onChange={(v) => onChange({ ...condition, value: numberOr(v, 0) })}
            w={80}
          />
          <NumberInput
            size="xs"
            aria-label={t('segments.builder.withinDays')}
            leftSection={t('segments.builder.days')}
            leftSectionWidth={48}
            min={1}
            allowDecimal={false}
            value={condition.withinDays}
            onChange={(v) => onChange({ ...condition, withinDays: numberOr(v, 30) })}
            w={130}
          />
        </>
      )
      break
    case 'orders':
      fields = (
        <>
          <Select
            size="xs"
            aria-label={t('segments.builder.measure')}
            data={ORDER_MEASURES.map((m) => ({ value: m, label: t(`segments.builder.orderMeasure.${m}`) }))}
            value={condition.measure}
            onChange={(measure) => {
              if (!measure) return
              const { withinDays: _, ...rest } = condition
              onChange(
                measure === 'recency'
                  ? { ...rest, measure: 'recency' }
                  : { ...condition, measure: measure as 'count' | 'amount' },
              )
            }}
            w={170}
          />
          <Comparison condition={condition} onChange={onChange} comparisons={comparisons} />
          {condition.measure !== 'recency' && (
            <NumberInput
              size="xs"
              aria-label={t('segments.builder.withinDays')}
              placeholder={t('segments.builder.ever')}
              leftSection={t('segments.builder.days')}
              leftSectionWidth={48}
              min={1}
              allowDecimal={false}
              value={condition.withinDays ?? ''}
              onChange={(v) => {
                const { withinDays: _, ...rest } = condition
                onChange(typeof v === 'number' ? { ...rest, withinDays: v } : rest)
              }}
              w={130}
            />
          )}
        </>
      )
      break
    case 'score':
      fields = (
        <>
          <Select
            size="xs"
            aria-label={t('segments.builder.score')}
            data={SCORE_MEASURES.map((s) => ({ value: s, label: t(`segments.builder.scoreMeasure.${s}`) }))}
            value={condition.score}
            onChange={(score) => score && onChange({ ...condition, score: score as typeof condition.score })}
            w={170}
          />
          <Comparison condition={condition} onChange={onChange} comparisons={comparisons} />
        </>
      )
      break
    case 'scoreBand':
      fields = (
        <>
          <Select
            size="xs"
            aria-label={t('segments.builder.band')}
            data={[
              { value: 'churnRisk', label: t('segments.builder.bands.churnRisk') },
              { value: 'abc', label: t('segments.builder.bands.abc') },
            ]}
            value={condition.band}
            onChange={(band) =>
              band &&
              onChange({
                ...condition,
                band: band === 'abc' ? 'abc' : 'churnRisk',
                values: [SCORE_BANDS[band === 'abc' ? 'abc' : 'churnRisk'][0]],
              })
            }
            w={150}
          />
          <MultiSelect
            size="xs"
            aria-label={t('segments.builder.values')}
            data={[...SCORE_BANDS[condition.band]]}
            value={condition.values}
            onChange={(values) => values.length > 0 && onChange({ ...condition, values })}
            miw={160}
          />
        </>
      )
      break
    case 'permission': {
      const purpose = options.purposes.find((p) => p.value === condition.purpose)
      fields = (
        <>
          <Select
            size="xs"
            aria-label={t('segments.builder.purpose')}
            data={options.purposes.map(({ value, label }) => ({ value, label }))}
            value={condition.purpose}
            onChange={(key) => {
              const next = options.purposes.find((p) => p.value === key)
              if (next)
                onChange({
                  ...condition,
                  purpose: next.value,
                  channel: (next.channels[0] ?? 'none') as typeof condition.channel,
                })
            }}
            w={220}
          />
          <Select
            size="xs"
            aria-label={t('segments.builder.channel')}
            data={purpose?.channels ?? [condition.channel]}
            value={condition.channel}
            onChange={(channel) =>
              channel && onChange({ ...condition, channel: channel as typeof condition.channel })
            }
            w={110}
          />
        </>
      )
      break
    }
  }
  return (
    <Stack gap={2} data-testid={`segment-condition-${path}`}>
      <Group gap="xs" wrap="wrap" align="center">
        <Select
          size="xs"
          aria-label={t('segments.builder.type')}
          data={CONDITION_TYPES.map((c) => ({ value: c, label: t(`segments.builder.types.${c}`) }))}
          value={condition.type}
          onChange={(type) =>
            type && type !== condition.type && onChange(newCondition(type as ConditionType))
          }
          w={170}
          data-testid={`segment-type-${path}`}
        />
        {fields}
        {onRemove && (
          <ActionIcon
            variant="subtle"
            color="red"
            onClick={onRemove}
            aria-label={t('segments.builder.removeCondition')}
          >
            ×
          </ActionIcon>
        )}
      </Group>
      {error && (
        <span
          style={{ color: 'var(--mantine-color-red-7)', fontSize: 'var(--mantine-font-size-xs)' }}
          role="alert"
        >
          {error}
        </span>
      )}
    </Stack>
  )
}

/** "at least / at most" and a number, for a condition that compares a measure with a value. */
function Comparison<C extends { op: 'gte' | 'lte'; value: number }>({
  condition,
  onChange,
  comparisons,
}: {
  condition: C
  onChange: (next: C) => void
  comparisons: { value: string; label: string }[]
}) {
  const { t } = useTranslation()
  return (
    <>
      <Select
        size="xs"
        aria-label={t('segments.builder.operator')}
        data={comparisons}
        value={condition.op}
        onChange={(op) => op && onChange({ ...condition, op: op as 'gte' | 'lte' })}
        w={110}
      />
      <NumberInput
        size="xs"
        aria-label={t('segments.builder.value')}
        min={0}
        value={condition.value}
        onChange={(v) => onChange({ ...condition, value: numberOr(v, 0) })}
        w={100}
      />
    </>
  )
}

/** A number input's value as a number: the fallback while it is empty or being typed. */
const numberOr = (value: string | number, fallback: number) => (typeof value === 'number' ? value : fallback)
