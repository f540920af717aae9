import {
  Alert,
  Button,
  Center,
  Group,
  Loader,
  Modal,
  Paper,
  Stack,
  Table,
  Tabs,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ErrorState } from '../../app/error-state'
import { currentLanguage, LANGUAGES } from '../../app/i18n'
import { Toast } from '../../app/toast'
import { usePermissions } from '../auth/permissions'
import { purposesQueryOptions } from '../subjects/contact-overview.api'
import {
  documentUrl,
  RETENTION_RECORD_KINDS,
  type RetentionRule,
  retentionRulesQueryOptions,
} from './retention.api'
import { useRetentionLabels } from './retention-labels'
import { RetentionPlanPanel } from './retention-plan-panel'
import { RetentionRuleForm } from './retention-rule-form'

/** The form's subject: a rule to edit, or a new one of the DPO's own. */
type Editing = { rule: RetentionRule } | { rule: null }

/**
 * The deletion concept (Löschkonzept): every retention rule, grouped by the kind of records it
 * covers, with its standard period, start event, legal minimum and law, transition and version;
 * the document for the auditor as PDF and HTML in German and English. Everyone who reads the
 * purposes reads it; `retention:manage` (the DPO) edits the rules and adds their own.
 */
export function DeletionConceptPage() {
  const { t } = useTranslation()
  const { can, isPending } = usePermissions()
  const readable = can('purposes:read')
  const manage = can('retention:manage')
  const rules = useQuery({ ...retentionRulesQueryOptions(), enabled: readable })
  const purposes = useQuery({ ...purposesQueryOptions(), enabled: readable })
  const [editing, setEditing] = useState<Editing | null>(null)
  const [saved, setSaved] = useState<RetentionRule | null>(null)
  const language = currentLanguage()
  const labels = useRetentionLabels((key) => purposes.data?.find((p) => p.key === key)?.name[language] ?? key)

  return (
    <Stack gap="md" maw={1200} data-testid="deletion-concept-page">
      <Title order={1} size="h2">
        {t('deletionConcept.title')}
      </Title>
      <Text size="sm" c="dimmed" maw={760}>
        {t('deletionConcept.intro')}
      </Text>
      <Alert color="yellow" variant="light" p="xs" data-testid="deletion-concept-disclaimer">
        <Text size="sm">{t('deletionConcept.disclaimer')}</Text>
      </Alert>
      {isPending ? (
        <Center py="xl">
          <Loader size="sm" aria-label={t('common.loading')} />
        </Center>
      ) : !readable ? (
        <Alert
          color="orange"
          variant="light"
          title={t('deletionConcept.forbidden.title')}
          data-testid="deletion-concept-forbidden"
        >
          {t('deletionConcept.forbidden.body')}
        </Alert>
      ) : (
        <Tabs defaultValue="rules" keepMounted={false}>
          <Tabs.List>
            <Tabs.Tab value="rules" data-testid="retention-tab-rules">
              {t('deletionConcept.tabs.rules')}
            </Tabs.Tab>
            {manage && (
              <Tabs.Tab value="plan" data-testid="retention-tab-plan">
                {t('deletionConcept.tabs.plan')}
              </Tabs.Tab>
            )}
          </Tabs.List>
          <Tabs.Panel value="rules" pt="md">
            <Stack gap="md">
              <Downloads />
              {!manage && (
                <Text size="sm" c="dimmed" data-testid="deletion-concept-read-only">
                  {t('deletionConcept.readOnly')}
                </Text>
              )}
              {manage && (
                <Group>
                  <Button
                    variant="light"
                    onClick={() => setEditing({ rule: null })}
                    data-testid="retention-add"
                  >
                    {t('deletionConcept.add')}
                  </Button>
                </Group>
              )}
              {rules.isPending ? (
                <Center py="xl">
                  <Loader size="sm" aria-label={t('common.loading')} />
                </Center>
              ) : rules.isError ? (
                <ErrorState
                  title={t('deletionConcept.error')}
                  error={rules.error}
                  onRetry={() => void rules.refetch()}
                  testId="deletion-concept-error"
                />
              ) : (
                <RuleGroups
                  rules={rules.data}
                  labels={labels}
                  onEdit={manage ? (rule) => setEditing({ rule }) : undefined}
                />
              )}
            </Stack>
          </Tabs.Panel>
          {manage && (
            <Tabs.Panel value="plan" pt="md">
              <RetentionPlanPanel rules={rules.data ?? []} language={labels.language} />
            </Tabs.Panel>
          )}
        </Tabs>
      )}
      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={
          editing?.rule
            ? t('deletionConcept.form.editTitle', { rule: editing.rule.name[labels.language] })
            : t('deletionConcept.form.createTitle')
        }
        size="xl"
        closeButtonProps={{ 'aria-label': t('common.close') }}
      >
        {editing && (
          <RetentionRuleForm
            rule={editing.rule}
            purposes={purposes.data ?? []}
            onCancel={() => setEditing(null)}
            onSaved={(rule) => {
              setEditing(null)
              setSaved(rule)
            }}
          />
        )}
      </Modal>
      <Toast
        opened={saved !== null}
        onClose={() => setSaved(null)}
        title={t('deletionConcept.saved.title')}
        testId="retention-saved"
      >
        {saved &&
          t('deletionConcept.saved.body', { rule: saved.name[labels.language], version: saved.version })}
      </Toast>
    </Stack>
  )
}

/** The document for the auditor: PDF and HTML, in German and in English. */
function Downloads() {
  const { t } = useTranslation()
  return (
    <Paper withBorder p="sm" data-testid="deletion-concept-downloads">
      <Stack gap="xs">
        <Text size="sm" fw={500}>
          {t('deletionConcept.download.title')}
        </Text>
        <Text size="xs" c="dimmed">
          {t('deletionConcept.download.hint')}
        </Text>
        <Group gap="xs">
          {(['pdf', 'html'] as const).flatMap((format) =>
            LANGUAGES.map((lang) => (
              <Button
                key={`${format}-${lang}`}
                component="a"
                href={documentUrl(lang, format)}
                download
                size="xs"
                variant={format === 'pdf' ? 'filled' : 'default'}
                data-testid={`deletion-concept-download-${format}-${lang}`}
              >
                {t(`deletionConcept.download.${format}`, { language: t(`language.${lang}Name`) })}
              </Button>
            )),
          )}
        </Group>
      </Stack>
    </Paper>
  )
}

type Labels = ReturnType<typeof useRetentionLabels>

/** The rules by the kind of records they cover, in the registry's order; a kind Tresor doesn't store last. */
function RuleGroups({
  rules,
  labels,
  onEdit,
}: {
  rules: RetentionRule[]
  labels: Labels
  onEdit: ((rule: RetentionRule) => void) | undefined
}) {
  const known: (string | null)[] = [...RETENTION_RECORD_KINDS]
  const other = [...new Set(rules.map((r) => r.covers.recordKind))].filter(
    (k) => !known.includes(k) && k !== null,
  )
  const order: (string | null)[] = [...known, ...other, null]
  return (
    <Stack gap="lg">
      {order.map((kind) => {
        const members = rules.filter((r) => r.covers.recordKind === kind)
        if (members.length === 0) return null
        return <RuleGroup key={kind ?? 'none'} kind={kind} rules={members} labels={labels} onEdit={onEdit} />
      })}
    </Stack>
  )
}

function RuleGroup({
  kind,
  rules,
  labels,
  onEdit,
}: {
  kind: string | null
  rules: RetentionRule[]
  labels: Labels
  onEdit: ((rule: RetentionRule) => void) | undefined
}) {
  const { t } = useTranslation()
  const heading = labels.kind(kind)
  return (
    <Stack gap={4} data-testid="retention-group" data-kind={kind ?? 'none'}>
      <Title order={2} size="h4">
        {heading}
      </Title>
      <Table.ScrollContainer minWidth={960}>
        <Table verticalSpacing="sm" striped>
          <Table.Caption>{t('deletionConcept.caption', { kind: heading })}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th w="24%">{t('deletionConcept.columns.rule')}</Table.Th>
              <Table.Th w="18%">{t('deletionConcept.columns.records')}</Table.Th>
              <Table.Th w="11%">{t('deletionConcept.columns.period')}</Table.Th>
              <Table.Th w="15%">{t('deletionConcept.columns.start')}</Table.Th>
              <Table.Th>{t('deletionConcept.columns.minimum')}</Table.Th>
              <Table.Th w={80}>{t('deletionConcept.columns.version')}</Table.Th>
              {onEdit && (
                <Table.Th w={110}>
                  <VisuallyHidden>{t('deletionConcept.columns.actions')}</VisuallyHidden>
                </Table.Th>
              )}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rules.map((rule) => (
              <RuleRow key={rule.key} rule={rule} labels={labels} onEdit={onEdit} />
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  )
}

function RuleRow({
  rule,
  labels,
  onEdit,
}: {
  rule: RetentionRule
  labels: Labels
  onEdit: ((rule: RetentionRule) => void) | undefined
}) {
  const { t } = useTranslation()
  const language = labels.language
  return (
    <Table.Tr data-testid="retention-rule-row" data-key={rule.key} data-version={rule.version}>
      <Table.Td>
        <Stack gap={2}>
          <Text size="sm" fw={500} data-testid="retention-name">
            {rule.name[language]}
          </Text>
          <Text size="xs" c="dimmed" ff="monospace">
            {rule.key}
          </Text>
          <Text size="xs" c="dimmed" data-testid="retention-rule-text">
            {rule.rule[language]}
          </Text>
        </Stack>
      </Table.Td>
      <Table.Td>
        <Text size="sm" data-testid="retention-records">
          {labels.covers(rule.covers)}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" fw={500} data-testid="retention-period" data-value={rule.period}>
          {labels.period(rule.period)}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" data-testid="retention-start">
          {labels.startEvent(rule.startEvent)}
        </Text>
      </Table.Td>
      <Table.Td data-testid="retention-minimum">
        {rule.legalMinimum ? (
          <Stack gap={2}>
            <Text size="sm">{labels.period(rule.legalMinimum.period)}</Text>
            <Text size="xs" fw={500} data-testid="retention-law">
              {rule.legalMinimum.law}
            </Text>
          </Stack>
        ) : (
          <Stack gap={2}>
            <Text size="sm" c="dimmed">
              {t('deletionConcept.noMinimum')}
            </Text>
            <Text size="xs" c="dimmed">
              {t('deletionConcept.noMinimumHint')}
            </Text>
          </Stack>
        )}
        {rule.transition && (
          <Text size="xs" c="dimmed" mt={4} data-testid="retention-transition">
            {t('deletionConcept.transition', {
              period: labels.period(rule.transition.previousPeriod),
              cutover: rule.transition.cutover,
            })}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Text size="sm" data-testid="retention-version">
          {t('deletionConcept.versionValue', { version: rule.version })}
        </Text>
      </Table.Td>
      {onEdit && (
        <Table.Td>
          <Button
            size="xs"
            variant="light"
            onClick={() => onEdit(rule)}
            aria-label={t('deletionConcept.editLabel', { rule: rule.name[language] })}
            data-testid="retention-edit"
          >
            {t('deletionConcept.edit')}
          </Button>
        </Table.Td>
      )}
    </Table.Tr>
  )
}
