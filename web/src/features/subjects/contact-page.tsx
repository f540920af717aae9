import {
  Alert,
  Anchor,
  Badge,
  Button,
  Center,
  Grid,
  Group,
  Loader,
  Paper,
  SimpleGrid,
  Stack,
  Text,
  Title,
} from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import { getRouteApi, Link } from '@tanstack/react-router'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { ErrorState } from '../../app/error-state'
import { usePermissions } from '../auth/permissions'
import { AttributesCard, OrganisationsCard, PersonalDataCard } from './contact-details'
import { DuplicatesCard } from './contact-duplicates'
import { CorrectContact } from './contact-edit'
import { ErasureHeldAlert, RestrictedPurposeLinks } from './contact-erasure'
import { type ContactFormat, useContactFormat } from './contact-format'
import { HoldsCard } from './contact-holds'
import { MilestonesCard } from './contact-milestones'
import { NotesCard } from './contact-notes'
import {
  contactOverviewQueryOptions,
  DENIAL_RULES,
  type HiddenPart,
  isOneOf,
  OVERVIEW_PARTS,
  type SubjectOverview,
} from './contact-overview.api'
import { PermissionAlerts, PermissionsCard } from './contact-permissions'
import { RequestsCard } from './contact-requests'
import { RestrictionCard } from './contact-restriction'
import { DealsCard, InvoicesCard } from './contact-sales'
import { ScoresCard } from './contact-scores'
import { HiddenPlaceholder, LockIcon, SectionCard } from './contact-section'
import { TimelineCard } from './contact-timeline'
import { SubjectKindBadges } from './subject-kind-badges'

const route = getRouteApi('/_app/contacts/$id')

const TIMELINE_PARTS = ['touchpoints', 'orders', 'notes'] as const

/** The contact at a glance (360° view): everything the role may see about one person, for one purpose. */
export function ContactPage() {
  const { t } = useTranslation()
  const { id } = route.useParams()
  const { purpose } = route.useSearch()
  const query = useQuery(contactOverviewQueryOptions(id, purpose))

  return (
    <Stack gap="md">
      <Anchor component={Link} to="/contacts" size="sm" data-testid="contact-back">
        {t('contact.back')}
      </Anchor>
      {query.data ? (
        // A failed background refetch keeps what was read; only a first load that fails shows the error.
        <ContactView overview={query.data} purpose={purpose} />
      ) : query.isError ? (
        <ContactError error={query.error} purpose={purpose} id={id} onRetry={() => void query.refetch()} />
      ) : (
        <Center py="xl" data-testid="contact-loading">
          <Group gap="sm">
            <Loader size="sm" />
            <Text c="dimmed">{t('contact.loading')}</Text>
          </Group>
        </Center>
      )}
    </Stack>
  )
}

function ContactError({
  error,
  purpose,
  id,
  onRetry,
}: {
  error: unknown
  purpose: string | undefined
  id: string
  onRetry: () => void
}) {
  const { t } = useTranslation()
  const format = useContactFormat()
  if (isProblem(error, 410) && error.mergedInto)
    return (
      <Alert color="blue" variant="light" title={t('contact.merged.title')} data-testid="contact-gone-merged">
        <Stack gap="xs" align="flex-start">
          <Text size="sm">{t('contact.merged.body')}</Text>
          <Button
            size="xs"
            variant="light"
            data-testid="contact-gone-merged-open"
            renderRoot={(props) => (
              <Link {...props} to="/contacts/$id" params={{ id: error.mergedInto as string }} search={{}} />
            )}
          >
            {t('contact.merged.open')}
          </Button>
        </Stack>
      </Alert>
    )
  if (isProblem(error, 404))
    return (
      <Alert color="gray" variant="light" title={t('contact.notFound.title')} data-testid="contact-not-found">
        {t('contact.notFound.body')}
      </Alert>
    )
  if (isProblem(error, 403)) {
    // "the purpose newsletter_email may not use this subject: no-consent": the rule is translated.
    const rule = error.detail?.split(': ').pop()
    return (
      <Stack gap="md">
        <Alert
          color="orange"
          variant="light"
          title={t('contact.forbidden.title')}
          data-testid="contact-forbidden"
        >
          <Stack gap="xs" align="flex-start">
            <Text size="sm">
              {t('contact.forbidden.body', { purpose: format.purpose(purpose ?? 'contact_management') })}
            </Text>
            {error.errors.some((e) => e.field === 'purpose') && (
              <Text size="sm" data-testid="contact-forbidden-role">
                {t('contact.forbidden.notYourPurpose')}
              </Text>
            )}
            {isOneOf(DENIAL_RULES, rule) && (
              <Text size="sm" data-testid="contact-forbidden-rule">
                {t('contact.forbidden.rule', { rule: t(`contact.permissions.denials.${rule}`) })}
              </Text>
            )}
            {rule === 'restricted' && <RestrictedPurposeLinks id={id} format={format} />}
            {purpose && purpose !== 'contact_management' && (
              <Button
                size="xs"
                variant="light"
                color="orange"
                data-testid="contact-open-default"
                renderRoot={(props) => <Link {...props} to="/contacts/$id" params={{ id }} search={{}} />}
              >
                {t('contact.forbidden.openDefault')}
              </Button>
            )}
          </Stack>
        </Alert>
        {/* Art. 18: the restriction that keeps the contact closed is shown, and lifted, here. */}
        {rule === 'restricted' && <RestrictionCard subjectId={id} format={format} />}
      </Stack>
    )
  }
  return <ErrorState title={t('contact.error')} error={error} onRetry={onRetry} testId="contact-error" />
}

function ContactView({ overview, purpose }: { overview: SubjectOverview; purpose: string | undefined }) {
  const { t } = useTranslation()
  const format = useContactFormat()
  const { can } = usePermissions()
  const hiddenByPart = new Map(overview.hidden.map((h) => [h.part, h]))
  const hiddenPart = (part: string) => hiddenByPart.get(part)
  // A part this UI does not know yet is still shown as hidden, never dropped.
  const unknownHidden = overview.hidden.filter((h) => !isOneOf(OVERVIEW_PARTS, h.part))
  const subjectId = overview.subject.id

  return (
    <Stack gap="md" data-testid="contact-page" data-subject-id={subjectId}>
      <ContactHeader overview={overview} hiddenPart={hiddenPart} format={format} />
      <PermissionAlerts permissions={overview.permissions} format={format} />
      <ErasureHeldAlert erasure={overview.erasure} format={format} />
      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Stack gap="md">
            <PersonalDataCard
              subject={overview.subject}
              hiddenPart={hiddenPart}
              format={format}
              action={can('subjects:write') ? <CorrectContact overview={overview} /> : undefined}
            />
            <DuplicatesCard subject={overview.subject} purpose={purpose} />
            <OrganisationsCard memberships={overview.organisations} hidden={hiddenPart('organisations')} />
            <AttributesCard subject={overview.subject} hidden={hiddenPart('attributes')} format={format} />
            <ScoresCard subjectId={subjectId} format={format} />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Stack gap="md">
            <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
              <InvoicesCard invoices={overview.invoices} hidden={hiddenPart('invoices')} format={format} />
              <DealsCard
                subjectId={subjectId}
                deals={overview.deals}
                hidden={hiddenPart('deals')}
                format={format}
              />
            </SimpleGrid>
            <PermissionsCard
              subjectId={subjectId}
              permissions={overview.permissions}
              hidden={hiddenPart('permissions')}
              format={format}
            />
            {overview.permissions && <RestrictionCard subjectId={subjectId} format={format} />}
            <RequestsCard subjectId={subjectId} format={format} />
            {can('holds:manage') && <HoldsCard subjectId={subjectId} format={format} />}
            <MilestonesCard subjectId={subjectId} format={format} canWrite={can('subjects:write')} />
            <NotesCard
              subjectId={subjectId}
              notes={overview.notes}
              hidden={hiddenPart('notes')}
              format={format}
            />
            <TimelineCard
              items={overview.timeline}
              hidden={TIMELINE_PARTS.flatMap((part) => hiddenPart(part) ?? [])}
              format={format}
            />
            {unknownHidden.length > 0 && (
              <SectionCard title={t('contact.sections.otherHidden')} testId="contact-other-hidden">
                <Stack gap="xs">
                  {unknownHidden.map((h) => (
                    <HiddenPlaceholder key={h.part} hidden={h} />
                  ))}
                </Stack>
              </SectionCard>
            )}
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  )
}

function ContactHeader({
  overview,
  hiddenPart,
  format,
}: {
  overview: SubjectOverview
  hiddenPart: (part: string) => HiddenPart | undefined
  format: ContactFormat
}) {
  const { t } = useTranslation()
  const { subject } = overview
  const { firstName, lastName, email, phone } = subject.identifiers
  const identityHidden = hiddenPart('identity')
  const name = [firstName, lastName].filter(Boolean).join(' ')
  const membership = overview.organisations?.[0]
  const historyHidden = hiddenPart('history')
  return (
    <Paper withBorder radius="md" p="md" data-testid="contact-header">
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="md">
        <Stack gap={6}>
          <Group gap="xs" align="center">
            {identityHidden && <LockIcon />}
            <Title
              order={1}
              size="h2"
              c={identityHidden || !name ? 'dimmed' : undefined}
              data-testid="contact-name"
            >
              {identityHidden ? t('contact.nameHidden') : name || t('contact.unnamed')}
            </Title>
          </Group>
          <Group gap="xs">
            <SubjectKindBadges kinds={subject.kinds} />
            {overview.permissions?.objections.some((o) => o.scope === 'all_marketing') && (
              <Badge size="sm" color="red" variant="filled" data-testid="contact-dnc-badge">
                {t('consents.doNotContact.badge')}
              </Badge>
            )}
          </Group>
          {(email || phone) && (
            <Group gap="md" data-testid="contact-reach">
              {email && (
                <Anchor href={`mailto:${email}`} size="sm" data-testid="contact-email">
                  {email}
                </Anchor>
              )}
              {phone && (
                <Anchor href={`tel:${phone}`} size="sm" data-testid="contact-phone">
                  {phone}
                </Anchor>
              )}
            </Group>
          )}
          {membership && (
            <Text size="sm" data-testid="contact-header-organisation">
              {membership.jobTitle
                ? t('contact.jobAt', {
                    jobTitle: membership.jobTitle,
                    organisation: membership.organisation.name,
                  })
                : membership.organisation.name}
            </Text>
          )}
          <Text size="xs" c="dimmed" data-testid="contact-purpose" data-purpose={overview.purpose}>
            {t('contact.readFor', { purpose: format.purpose(overview.purpose) })}
          </Text>
        </Stack>
        <Stack gap="xs" align="flex-end">
          {overview.historyUrl ? (
            <Button
              variant="default"
              size="sm"
              data-testid="contact-history-link"
              renderRoot={(props) => (
                <Link {...props} to="/contacts/$id/history" params={{ id: subject.id }} />
              )}
            >
              {t('contact.history')}
            </Button>
          ) : (
            historyHidden && <HiddenPlaceholder hidden={historyHidden} />
          )}
          <Text size="xs" c="dimmed" ff="monospace" title={subject.id}>
            {t('contact.id', { id: subject.id.slice(0, 8) })}
          </Text>
        </Stack>
      </Group>
    </Paper>
  )
}
