/** Tresor's version, shown by `tresor --version`, /healthz and the OpenAPI document. */
export const VERSION = '0.1.0'
