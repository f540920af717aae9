import { Alert, Center, Loader, Stack, Tabs, Text, Title } from '@mantine/core'
import { getRouteApi, useNavigate } from '@tanstack/react-router'
import { useTranslation } from 'react-i18next'
import { usePermissions } from '../auth/permissions'
import { isOneOf } from '../subjects/contact-overview.api'
import { ConsentTextsPanel } from './consent-texts-panel'
import { FormsPanel } from './forms-panel'

/** The tabs of the privacy page, kept in the URL so a tab can be linked to. */
export const PRIVACY_TABS = ['forms', 'texts'] as const
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
 * offers with which text version) and the consent purposes with every version of their wording
 * (Art. 7(1): the controller proves which text a person agreed to). For roles that manage forms
 * or purposes; those who manage forms add new text versions.
 */
export function PrivacyPage() {
  const { t } = useTranslation()
  const { can, isPending } = usePermissions()
  const { tab = 'forms' } = route.useSearch()
  const navigate = useNavigate({ from: '/privacy' })
  const allowed = can('forms:manage') || can('purposes:manage')
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
      ) : allowed ? (
        <Tabs
          value={tab}
          onChange={(value) => {
            if (isOneOf(PRIVACY_TABS, value)) void navigate({ search: { tab: value } })
          }}
          keepMounted={false}
        >
          <Tabs.List>
            <Tabs.Tab value="forms" data-testid="privacy-tab-forms">
              {t('privacy.tabs.forms')}
            </Tabs.Tab>
            <Tabs.Tab value="texts" data-testid="privacy-tab-texts">
              {t('privacy.tabs.texts')}
            </Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="forms" pt="md">
            <FormsPanel />
          </Tabs.Panel>
          <Tabs.Panel value="texts" pt="md">
            <ConsentTextsPanel manage={can('forms:manage')} />
          </Tabs.Panel>
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
