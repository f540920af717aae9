import { Alert, Center, Loader, Stack, Tabs, Text, Title } from '@mantine/core'
import { getRouteApi, useNavigate } from '@tanstack/react-router'
import { useTranslation } from 'react-i18next'
import { usePermissions } from '../auth/permissions'
import { BreachesPanel } from '../breaches/breaches-panel'
import { RecordPanel } from '../records-of-processing/record-panel'
import { isOneOf } from '../subjects/contact-overview.api'
import { ConsentTextsPanel } from './consent-texts-panel'
import { FormsPanel } from './forms-panel'
import { PurposesPanel } from './purposes-panel'
import { RecipientsPanel } from './recipients-panel'
import { RequestsPanel } from './requests-panel'

/** The tabs of the privacy page, kept in the URL so a tab can be linked to. */
export const PRIVACY_TABS = [
  'forms',
  'texts',
  'purposes',
  'recipients',
  'requests',
  'record',
  'breaches',
] as const
export type PrivacyTab = (typeof PRIVACY_TABS)[number]

export interface PrivacySearch {
  tab?: PrivacyTab
}

export function validatePrivacySearch(search: Record<string, unknown>): PrivacySearch {
  return isOneOf(PRIVACY_TABS, search.tab) ? { tab: search.tab } : {}
}

const route = getRouteApi('/_app/privacy')

/**
 * The data protection officer's page: the public forms (what each asks for and which consents it
 * offers with which text version), the consent purposes with every version of their wording
 * (Art. 7(1): the controller proves which text a person agreed to), the purpose registry with
 * each purpose's scope (who may act under it, whom it reaches, which data it uses), and the open
 * data subject requests with their due dates (Art. 12(3)). The forms and texts for roles that
 * manage forms or purposes (those who manage forms add new text versions); the purposes for
 * everyone the page is for, edited by `purposes:manage`; the requests for `requests:manage`.
 */
export function PrivacyPage() {
  const { t } = useTranslation()
  const { can, isPending } = usePermissions()
  const search = route.useSearch()
  const navigate = useNavigate({ from: '/privacy' })
  const configuration = can('forms:manage') || can('purposes:manage')
  const requests = can('requests:manage')
  const registry = (configuration || requests) && can('purposes:read')
  // Art. 30 record: whoever may edit the configuration it is generated from; breaches: the DPO.
  const record = configuration && can('purposes:read')
  const breaches = can('breaches:manage')
  // Recipients and transfers (Art. 28, 44-49): read with the registry, changed by recipients:manage.
  const recipients = (registry || can('recipients:manage')) && can('purposes:read')
  const tabs = PRIVACY_TABS.filter((tab) =>
    tab === 'record'
      ? record
      : tab === 'recipients'
        ? recipients
        : tab === 'breaches'
          ? breaches
          : tab === 'requests'
            ? requests
            : tab === 'purposes'
              ? registry
              : configuration,
  )
  // A tab the role can't open (a shared link) falls back to the first one it can.
  const tab = search.tab && tabs.includes(search.tab) ? search.tab : tabs[0]
  return (
    <Stack gap="md" maw={1200} data-testid="privacy-page">
      <Title order={1} size="h2">
        {t('privacy.title')}
      </Title>
      <Text size="sm" c="dimmed" maw={760}>
        {t('privacy.intro')}
      </Text>
      {isPending ? (
        <Center py="xl">
          <Loader size="sm" aria-label={t('common.loading')} />
        </Center>
      ) : tab ? (
        <Tabs
          value={tab}
          onChange={(value) => {
            if (isOneOf(PRIVACY_TABS, value)) void navigate({ search: { tab: value } })
          }}
          keepMounted={false}
        >
          <Tabs.List>
            {tabs.map((value) => (
              <Tabs.Tab key={value} value={value} data-testid={`privacy-tab-${value}`}>
                {t(`privacy.tabs.${value}`)}
              </Tabs.Tab>
            ))}
          </Tabs.List>
          {configuration && (
            <>
              <Tabs.Panel value="forms" pt="md">
                <FormsPanel />
              </Tabs.Panel>
              <Tabs.Panel value="texts" pt="md">
                <ConsentTextsPanel manage={can('forms:manage')} />
              </Tabs.Panel>
            </>
          )}
          {registry && (
            <Tabs.Panel value="purposes" pt="md">
              <PurposesPanel manage={can('purposes:manage')} />
            </Tabs.Panel>
          )}
          {requests && (
            <Tabs.Panel value="requests" pt="md">
              <RequestsPanel />
            </Tabs.Panel>
          )}
          {recipients && (
            <Tabs.Panel value="recipients" pt="md">
              <RecipientsPanel manage={can('recipients:manage')} />
            </Tabs.Panel>
          )}
          {record && (
            <Tabs.Panel value="record" pt="md">
              <RecordPanel manage={can('purposes:manage')} />
            </Tabs.Panel>
          )}
          {breaches && (
            <Tabs.Panel value="breaches" pt="md">
              <BreachesPanel />
            </Tabs.Panel>
          )}
        </Tabs>
      ) : (
        <Alert
          color="orange"
          variant="light"
          title={t('privacy.forbidden.title')}
          data-testid="privacy-forbidden"
        >
          {t('privacy.forbidden.body')}
        </Alert>
      )}
    </Stack>
  )
}
