/** The navbar, one entry per module. Entries without `to` are modules that are not built yet. */
export interface NavItem {
  key: 'overview' | 'contacts' | 'segments' | 'campaigns' | 'privacy' | 'audit' | 'settings'
  to?: '/' | '/contacts'
}

export const NAV_ITEMS: readonly NavItem[] = [
  { key: 'overview', to: '/' },
  { key: 'contacts', to: '/contacts' },
  { key: 'segments' },
  { key: 'campaigns' },
  { key: 'privacy' },
  { key: 'audit' },
  { key: 'settings' },
]
