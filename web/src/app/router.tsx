import { Button, Center, Loader, Stack, Text, Title } from '@mantine/core'
import type { QueryClient } from '@tanstack/react-query'
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  type ErrorComponentProps,
  Link,
  Outlet,
  redirect,
  useRouter,
} from '@tanstack/react-router'
import { useTranslation } from 'react-i18next'
import { AnalyticsPage } from '../features/analytics/analytics-page'
import { safeRedirectTarget, sessionQueryOptions } from '../features/auth/auth.api'
import { LoginPage } from '../features/auth/login-page'
import { CallListPage } from '../features/campaigns/call-list'
import { CampaignPage, NewCampaignPage } from '../features/campaigns/campaign-page'
import { CampaignsPage } from '../features/campaigns/campaigns-page'
import { ImportsPage } from '../features/imports/imports-page'
import { JourneysPage } from '../features/journeys/journeys-page'
import { OverviewPage } from '../features/overview/overview-page'
import { PrivacyPage, validatePrivacySearch } from '../features/privacy/privacy-page'
import { DeletionConceptPage } from '../features/retention/deletion-concept-page'
import { SegmentsPage } from '../features/segments/segments-page'
import { FieldCatalogPage } from '../features/settings/field-catalog-page'
import { SecurityPage } from '../features/settings/security-page'
import { SettingsPage } from '../features/settings/settings-page'
import { validateContactSearch } from '../features/subjects/contact-overview.api'
import { ContactPage } from '../features/subjects/contact-page'
import { validateContactsSearch } from '../features/subjects/contacts.search'
import { ContactsPage } from '../features/subjects/contacts-page'
import { SubjectHistoryPage } from '../features/subjects/subject-history-page'
import { isProblem } from './api'
import { AppShellLayout } from './app-shell'
import { ErrorState } from './error-state'

export interface RouterContext {
  queryClient: QueryClient
}

interface LoginSearch {
  redirect?: string
}

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: Outlet,
  notFoundComponent: NotFound,
})

const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/login',
  validateSearch: (search: Record<string, unknown>): LoginSearch => ({
    redirect: safeRedirectTarget(search.redirect),
  }),
  // Someone who is already signed in has no business on the login page.
  beforeLoad: async ({ context, search }) => {
    const signedIn = await context.queryClient
      .ensureQueryData(sessionQueryOptions)
      .then(() => true)
      .catch(() => false)
    if (signedIn) throw redirect({ href: search.redirect ?? '/' })
  },
  component: LoginPage,
})

/** Every page behind this layout needs a session; anonymous visitors go to /login and come back after. */
const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: '_app',
  beforeLoad: async ({ context, location }) => {
    try {
      await context.queryClient.ensureQueryData(sessionQueryOptions)
    } catch (error) {
      if (isProblem(error, 401)) throw redirect({ to: '/login', search: { redirect: location.href } })
      throw error
    }
  },
  component: AppShellLayout,
  errorComponent: RouteError,
})

const overviewRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/',
  component: OverviewPage,
})

const contactsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/contacts',
  validateSearch: validateContactsSearch,
  component: ContactsPage,
})

/** One contact at a glance (the 360° view), read for a purpose (default contact_management). */
const contactRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/contacts/$id',
  validateSearch: validateContactSearch,
  component: ContactPage,
})

/** A contact's audit history: who did what with the person's data, when and why. */
const subjectHistoryRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/contacts/$id/history',
  component: SubjectHistoryPage,
})

/** Imports of people, touchpoints and orders from CSV or Excel files, with their provenance. */
const importsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/imports',
  component: ImportsPage,
})

/** Segments: saved rule trees with live counts, the permitted audience per channel, the members. */
const segmentsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/segments',
  component: SegmentsPage,
})

/** Customer analytics: the fitted CLV model, its calibration chart and the population's scores as charts. */
const analyticsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/analytics',
  component: AnalyticsPage,
})

/** Journeys: triggered automation (welcome, reactivation, abandoned order) with steps, activation and counts per step. */
const journeysRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/journeys',
  component: JourneysPage,
})

/** Campaigns: the list with status and counts; a campaign's editor, audience, preview, test send, schedule, report. */
const campaignsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/campaigns',
  component: CampaignsPage,
})

const newCampaignRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/campaigns/new',
  component: NewCampaignPage,
})

const campaignRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/campaigns/$id',
  component: CampaignPage,
})

/** A phone campaign's call list for agents (`campaigns:call`): names, numbers, the script, each call's outcome. */
const callListRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/campaigns/$id/calls',
  component: CallListPage,
})

/** The DPO's page: the public forms, the consent texts with every version, the open requests. */
const privacyRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/privacy',
  validateSearch: validatePrivacySearch,
  component: PrivacyPage,
})

/** The deletion concept: the retention rules by kind of records, their legal minimums, the document. */
const deletionConceptRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/deletion-concept',
  component: DeletionConceptPage,
})

const securityRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/settings/security',
  component: SecurityPage,
})

/** The field catalog: every personal field, its category, Art. 9, purposes and retention; admins edit it. */
const fieldCatalogRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/settings/fields',
  component: FieldCatalogPage,
})

/** Settings: the controller, the DPO's contact, the logo and colour of the public pages and mails. */
const settingsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/settings/general',
  component: SettingsPage,
})

/** `/settings` on its own opens the general settings. */
const settingsIndexRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/settings',
  beforeLoad: () => {
    throw redirect({ to: '/settings/general' })
  },
})

const routeTree = rootRoute.addChildren([
  loginRoute,
  appRoute.addChildren([
    overviewRoute,
    contactsRoute,
    contactRoute,
    subjectHistoryRoute,
    importsRoute,
    segmentsRoute,
    analyticsRoute,
    campaignsRoute,
    newCampaignRoute,
    campaignRoute,
    callListRoute,
    journeysRoute,
    privacyRoute,
    deletionConceptRoute,
    securityRoute,
    fieldCatalogRoute,
    settingsRoute,
    settingsIndexRoute,
  ]),
])

export function createAppRouter(queryClient: QueryClient) {
  return createRouter({
    routeTree,
    context: { queryClient },
    defaultPreload: 'intent',
    // TanStack Query caches; the router should not keep a second copy fresh.
    defaultPreloadStaleTime: 0,
    defaultPendingComponent: PageLoading,
    defaultErrorComponent: RouteError,
    scrollRestoration: true,
  })
}

export type AppRouter = ReturnType<typeof createAppRouter>

declare module '@tanstack/react-router' {
  interface Register {
    router: AppRouter
  }
}

function PageLoading() {
  const { t } = useTranslation()
  return (
    <Center py="xl">
      <Loader size="sm" aria-label={t('common.loading')} />
    </Center>
  )
}

function RouteError({ error, reset }: ErrorComponentProps) {
  const router = useRouter()
  return (
    <Center p="md">
      <Stack maw={480} w="100%">
        <ErrorState
          error={error}
          onRetry={() => {
            reset()
            void router.invalidate()
          }}
          testId="route-error"
        />
      </Stack>
    </Center>
  )
}

function NotFound() {
  const { t } = useTranslation()
  return (
    <Center mih="60vh" p="md">
      <Stack align="center" gap="xs" data-testid="not-found">
        <Title order={1} size="h2">
          {t('common.notFound.title')}
        </Title>
        <Text c="dimmed">{t('common.notFound.body')}</Text>
        <Button component={Link} to="/" variant="light">
          {t('common.notFound.home')}
        </Button>
      </Stack>
    </Center>
  )
}
