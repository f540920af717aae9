import type { Permission } from '../../../src/modules/access/roles'

/** The navbar, one entry per module. Entries without `to` are modules that are not built yet. */
export interface NavItem {
  key:
    | 'overview'
    | 'contacts'
    | 'imports'
    | 'segments'
    | 'analytics'
    | 'campaigns'
    | 'journeys'
    | 'privacy'
    | 'deletionConcept'
    | 'audit'
    | 'fields'
    | 'settings'
  to?:
    | '/'
    | '/contacts'
    | '/imports'
    | '/segments'
    | '/analytics'
    | '/campaigns'
    | '/journeys'
    | '/privacy'
    | '/deletion-concept'
    | '/settings/fields'
    | '/settings/general'
  /**
   * Shown only to roles with this permission, or with any of these (the page would only say "not
   * allowed" to the others).
   */
  permission?: Permission | readonly Permission[]
}

export const NAV_ITEMS: readonly NavItem[] = [
  { key: 'overview', to: '/' },
  { key: 'contacts', to: '/contacts' },
  { key: 'imports', to: '/imports', permission: 'subjects:import' },
  { key: 'segments', to: '/segments', permission: 'segments:read' },
  { key: 'analytics', to: '/analytics', permission: 'analytics:run' },
  { key: 'campaigns', to: '/campaigns', permission: 'campaigns:read' },
  { key: 'journeys', to: '/journeys', permission: 'campaigns:read' },
  { key: 'privacy', to: '/privacy', permission: ['forms:manage', 'purposes:manage', 'requests:manage'] },
  { key: 'deletionConcept', to: '/deletion-concept', permission: 'purposes:read' },
  { key: 'audit' },
  { key: 'fields', to: '/settings/fields', permission: 'fields:manage' },
  { key: 'settings', to: '/settings/general', permission: ['settings:manage', 'settings:dpo'] },
]
