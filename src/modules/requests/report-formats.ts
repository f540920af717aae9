/**
 * The formats an access report is given in. A module of its own, so the CLI can name them without
 * loading the report's PDF, spreadsheet and zip writers.
 */
export const REPORT_FORMATS = ['json', 'html', 'pdf', 'csv', 'zip'] as const
export type ReportFormat = (typeof REPORT_FORMATS)[number]
