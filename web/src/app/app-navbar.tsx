import { NavLink, Stack } from '@mantine/core'
import { Link, useRouterState } from '@tanstack/react-router'
import { useTranslation } from 'react-i18next'
import type { Permission } from '../../../src/modules/access/roles'
import { usePermissions } from '../features/auth/permissions'
import { NAV_ITEMS, type NavItem } from './nav-items'

export function AppNavbar({ onNavigate }: { onNavigate: () => void }) {
  const { t } = useTranslation()
  const pathname = useRouterState({ select: (state) => state.location.pathname })
  const { can } = usePermissions()
  return (
    <Stack component="nav" gap={2} aria-label={t('shell.navigation')}>
      {NAV_ITEMS.filter((item) => mayOpen(item, can)).map((item) => (
        <AppNavLink key={item.key} item={item} pathname={pathname} onNavigate={onNavigate} />
      ))}
    </Stack>
  )
}

/** Whether the role holds the entry's permission, or any of its permissions. */
function mayOpen(item: NavItem, can: (permission: Permission) => boolean): boolean {
  if (!item.permission) return true
  return typeof item.permission === 'string' ? can(item.permission) : item.permission.some(can)
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
