/** The parts of the 360° view, in the order the server names them. Plain data: the web UI reads it too. */
export const OVERVIEW_PARTS = [
  'identity',
  'contact',
  'address',
  'bank',
  'attributes',
  'organisations',
  'permissions',
  'touchpoints',
  'orders',
  'invoices',
  'deals',
  'notes',
  'history',
] as const
export type OverviewPart = (typeof OVERVIEW_PARTS)[number]
