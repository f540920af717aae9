import { NavLink, Stack } from '@mantine/core'
import { Link, useRouterState } from '@tanstack/react-router'
import { useTranslation } from 'react-i18next'
import { usePermissions } from '../features/auth/permissions'
import { NAV_ITEMS, type NavItem } from './nav-items'

export function AppNavbar({ onNavigate }: { onNavigate: () => void }) {
  const { t } = useTranslation()
  const pathname = useRouterState({ select: (state) => state.location.pathname })
  const { can } = usePermissions()
  return (
    <Stack component="nav" gap={2} aria-label={t('shell.navigation')}>
      {NAV_ITEMS.filter((item) => !item.permission || can(item.permission)).map((item) => (
        <AppNavLink key={item.key} item={item} pathname={pathname} onNavigate={onNavigate} />
      ))}
    </Stack>
  )
}

function AppNavLink({
  item,
  pathname,
  onNavigate,
}: {
  item: NavItem
  pathname: string
  onNavigate: () => void
}) {
  const { t } = useTranslation()
  const label = t(`shell.nav.${item.key}`)
  const testId = `nav-${item.key}`
  const { to } = item
  if (!to) {
    // Not a dead link: the module is announced but cannot be opened yet.
    return (
      <NavLink
        label={label}
        description={t('shell.comingSoon')}
        disabled
        aria-disabled
        data-testid={testId}
        data-coming-soon
      />
    )
  }
  const active = to === '/' ? pathname === '/' : pathname === to || pathname.startsWith(`${to}/`)
  return (
    <NavLink
      label={label}
      active={active}
      aria-current={active ? 'page' : undefined}
      onClick={onNavigate}
      data-testid={testId}
      renderRoot={(props) => <Link to={to} {...props} />}
    />
  )
}
