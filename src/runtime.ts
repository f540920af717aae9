import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { type Kysely, sql } from 'kysely'
import { AccessService } from './modules/access/access.service.ts'
import { RoleRepository } from './modules/access/role.repository.ts'
import { RoleService } from './modules/access/role.service.ts'
import { deferredSecretBox } from './modules/access/secret-box.ts'
import { UserRepository } from './modules/access/user.repository.ts'
import { PersonaService } from './modules/analytics/personas/persona.service.ts'
import { ScoreService } from './modules/analytics/score.service.ts'
import { BreachNoticeService } from './modules/breaches/breach-notice.service.ts'
import { CampaignRepository } from './modules/campaigns/campaign.repository.ts'
import { CampaignService } from './modules/campaigns/campaign.service.ts'
import { CampaignSend } from './modules/campaigns/campaign-send.ts'
import {
  type CampaignChannelServices,
  createCampaignChannelServices,
} from './modules/campaigns/channel-routes.services.ts'
import { EmailSender } from './modules/campaigns/channels/email-sender.ts'
import { ChannelRegistry } from './modules/campaigns/channels/registry.ts'
import { ConsentProofService } from './modules/consents/consent-proof.service.ts'
import { ExportService } from './modules/export/export.service.ts'
import { ConsentTextRepository } from './modules/forms/consent-text.repository.ts'
import { ConsentTextService } from './modules/forms/consent-text.service.ts'
import { FormRepository } from './modules/forms/form.repository.ts'
import { FormService } from './modules/forms/form.service.ts'
import { FormSubmissionService } from './modules/forms/form-submission.service.ts'
import { ImportRepository } from './modules/import/import.repository.ts'
import { ImportService } from './modules/import/import.service.ts'
import { EventService } from './modules/journey/event.service.ts'
import { JourneyRepository } from './modules/journeys/journey.repository.ts'
import { JourneyService } from './modules/journeys/journey.service.ts'
import { OrderService } from './modules/orders/order.service.ts'
import { ProductRepository } from './modules/orders/product.repository.ts'
import { OrganisationRepository } from './modules/organisations/organisation.repository.ts'
import { OrganisationService } from './modules/organisations/organisation.service.ts'
import { PortalService } from './modules/portal/portal.service.ts'
import { ProcessingRecordRepository } from './modules/records-of-processing/processing-record.repository.ts'
import { ProcessingRecordService } from './modules/records-of-processing/processing-record.service.ts'
import { recipientsFromRegistry } from './modules/records-of-processing/recipients-from-registry.ts'
import { RequestService } from './modules/requests/request.service.ts'
import { RequestWorkflowService } from './modules/requests/request-workflow.service.ts'
import { DeletionConceptService } from './modules/retention/deletion-concept.service.ts'
import { PipelineRepository } from './modules/sales/pipeline.repository.ts'
import { SalesService } from './modules/sales/sales.service.ts'
import { SegmentRepository } from './modules/segments/segment.repository.ts'
import { SegmentService } from './modules/segments/segment.service.ts'
import { identityLines, mailBranding } from './modules/settings/branding.ts'
import { SettingsRepository } from './modules/settings/settings.repository.ts'
import { SettingsService } from './modules/settings/settings.service.ts'
import { SubjectService } from './modules/subjects/subject.service.ts'
import { SubjectOverviewService } from './modules/subjects/subject-overview.service.ts'
import { TrackingService } from './modules/tracking/tracking.service.ts'
import { TrackingCountRepository } from './modules/tracking/tracking-count.repository.ts'
import { MarketingMailService } from './modules/unsubscribe/marketing-mail.service.ts'
import { type Config, loadMasterKeys } from './platform/config.ts'
import { type Database, openDatabase } from './platform/db/database.ts'
import { checkMigrated, migrate } from './platform/db/migrate.ts'
import type { Schema } from './platform/db/schema.ts'
import { createLogger, type Logger } from './platform/logger.ts'
import { createMailer, type Mailer } from './platform/mail/mailer.ts'
import { AccessReportRepository } from './privacy/access-report/access-report.repository.ts'
import { AccessReportService } from './privacy/access-report/access-report.service.ts'
import { AuditRepository } from './privacy/audit/audit.repository.ts'
import { AuditLog } from './privacy/audit/audit-log.service.ts'
import { ed25519AuditSigner } from './privacy/audit/audit-signer.ts'
import { BreachRepository } from './privacy/breaches/breach.repository.ts'
import { BreachService } from './privacy/breaches/breach.service.ts'
import { CampaignLedger } from './privacy/campaigns/campaign-ledger.ts'
import { DoiRequestRepository } from './privacy/double-opt-in/doi-request.repository.ts'
import { DoubleOptInService } from './privacy/double-opt-in/double-opt-in.service.ts'
import { FieldRepository } from './privacy/fields/field.repository.ts'
import { FieldService } from './privacy/fields/field.service.ts'
import { FieldRegistry } from './privacy/fields/field-registry.ts'
import { Gate } from './privacy/gate/gate.service.ts'
import { ErasureService } from './privacy/holds/erasure.service.ts'
import { ErasureLedgerFile } from './privacy/holds/erasure-ledger-file.ts'
import { HoldRepository } from './privacy/holds/hold.repository.ts'
import { HoldService } from './privacy/holds/hold.service.ts'
import { holdRulesFrom } from './privacy/holds/hold.ts'
import { JourneyEnrolmentRepository } from './privacy/journeys/journey-enrolment.repository.ts'
import { JourneyEnrolments } from './privacy/journeys/journey-enrolments.ts'
import { auditSigningKey } from './privacy/keys/audit-signing-key.ts'
import { Keyring } from './privacy/keys/keyring.ts'
import { MasterKeyRepository } from './privacy/keys/master-key.repository.ts'
import { MasterKeyService } from './privacy/keys/master-key.service.ts'
import { VaultSecretRepository } from './privacy/keys/vault-secret.repository.ts'
import { VAULT_SECRETS, VaultSecretService } from './privacy/keys/vault-secret.service.ts'
import { MilestoneService } from './privacy/milestones/milestone.service.ts'
import { PermissionRepository } from './privacy/permissions/permission.repository.ts'
import { PermissionService } from './privacy/permissions/permission.service.ts'
import { PersonaRepository } from './privacy/personas/persona.repository.ts'
import { PersonaStore } from './privacy/personas/persona-store.ts'
import { PortalAccessRepository } from './privacy/portal-access/portal-access.repository.ts'
import { PortalAccessService } from './privacy/portal-access/portal-access.service.ts'
import { PurposeRepository } from './privacy/purposes/purpose.repository.ts'
import { PurposeService } from './privacy/purposes/purpose.service.ts'
import { art19Recipients } from './privacy/recipients/art19.ts'
import { DisclosureService } from './privacy/recipients/disclosure.service.ts'
import { RecipientRepository } from './privacy/recipients/recipient.repository.ts'
import { RecipientService } from './privacy/recipients/recipient.service.ts'
import { WebhookRepository } from './privacy/recipients/webhook.repository.ts'
import { WebhookService } from './privacy/recipients/webhook.service.ts'
import { RecommendationRepository } from './privacy/recommendations/recommendation.repository.ts'
import { RecommendationStore } from './privacy/recommendations/recommendation-store.ts'
import { RecordRepository } from './privacy/records/record.repository.ts'
import { RecordGate } from './privacy/records/record-gate.ts'
import { DsrRequestRepository } from './privacy/requests/dsr-request.repository.ts'
import { DsrRequestService } from './privacy/requests/dsr-request.service.ts'
import { RetentionRuleRepository } from './privacy/retention/retention-rule.repository.ts'
import { RetentionRuleService } from './privacy/retention/retention-rule.service.ts'
import { RetentionSweepRepository } from './privacy/retention/retention-sweep.repository.ts'
import { RetentionSweeper } from './privacy/retention/retention-sweep.service.ts'
import { ScoreRepository } from './privacy/scores/score.repository.ts'
import { ScoreChartsRepository } from './privacy/scores/score-charts.repository.ts'
import { ScoreCharts } from './privacy/scores/score-charts.ts'
import { ScoreStore } from './privacy/scores/score-store.ts'
import { SegmentEngine } from './privacy/segments/segment-engine.ts'
import { SegmentQueryRepository } from './privacy/segments/segment-query.repository.ts'
import { StatisticsRepository } from './privacy/statistics/statistics.repository.ts'
import { StatisticsService } from './privacy/statistics/statistics.service.ts'
import { SubjectRepository } from './privacy/subjects/subject.repository.ts'
import { SubjectMergeRepository } from './privacy/subjects/subject-merge.repository.ts'
import { UnsubscribeService } from './privacy/unsubscribe/unsubscribe.service.ts'
import { UnsubscribeTokenRepository } from './privacy/unsubscribe/unsubscribe-token.repository.ts'
import { VaultRepository } from './privacy/vault/vault.repository.ts'
import { VaultService } from './privacy/vault/vault.service.ts'

/** The services every entry point (server, worker, CLI) uses, wired once. */
export interface Services {
  access: AccessService
  /** Roles from the database; answers permission and field-category questions from memory. */
  roles: RoleService
  /** The privacy gate: every use of personal data passes here (DESIGN.md, "the one rule"). */
  gate: Gate
  /** Population counts for the dashboard (aggregates only). */
  statistics: StatisticsService
  /** The population's scores as charts for the analytics page (aggregates only). */
  scoreCharts: ScoreCharts
  /** "Bought this, also bought": product pairs, and per customer under the profiling purpose. */
  recommendations: RecommendationStore
  /** Personas: k-means clusters of the customers' scores (pseudonymous). */
  personas: PersonaService
  /** The field catalog (admin-editable); the gate decides with its in-memory registry. */
  fields: FieldService
  /** The gate for records about subjects: touchpoints, orders, invoices, deals, notes, memberships. */
  records: RecordGate
  subjects: SubjectService
  /** Touchpoint ingestion (the customer journey). */
  events: EventService
  /** Web tracking from websites: events stored only with consent for web tracking; GPC and TCF honoured. */
  tracking: TrackingService
  /** The 360° view of a contact. */
  overviews: SubjectOverviewService
  organisations: OrganisationService
  /** Products, and customers' orders and invoices. */
  orders: OrderService
  /** The sales pipeline, deals, notes and tasks. */
  sales: SalesService
  /** CSV/XLSX imports of subjects, touchpoints and orders, with their reports. */
  imports: ImportService
  /** Audited CSV/XLSX exports of subject lists, internal or to a recipient through the disclosure gate. */
  exports: ExportService
  /** The registry of recipients (Art. 4(9), 28, 44-49) and the adequacy decisions; `list()` feeds the Art. 30 record. */
  recipients: RecipientService
  /** The disclosure gate: transfer check, the recipient's purposes and categories, disclosures recorded (Art. 15(1)(c), 19). */
  disclosures: DisclosureService
  /** Webhook subscriptions of recipients; the outbox and its signed, retried deliveries (job `webhooks.deliver`). */
  webhooks: WebhookService
  /** Seals TOTP secrets; keyed at start-up from a vault secret. */
  totpBox: ReturnType<typeof deferredSecretBox>
  /** Identifiers encrypted per subject, blind indexes, crypto-shredding: for the privacy gate only. */
  vault: VaultService
  /** Long-lived secrets wrapped by the master key (blind-index key, audit signing key, ...). */
  secrets: VaultSecretService
  /** Which master key is active; `tresor keys status` and `tresor keys rotate`. */
  masterKeys: MasterKeyService
  /** The purpose registry: legal bases, channels, consent and retention rules (the DPO's). */
  purposes: PurposeService
  /** Consents, objections, restriction per subject; audience and denials over sets, for the gate. */
  permissions: PermissionService
  /** A subject's consents as proof (JSON, ISO/IEC TS 27560 records) and how long proof is kept. */
  consents: ConsentProofService
  /** The audit trail: hash-chained appends, signed checkpoints, verify, per-subject history. */
  audit: AuditLog
  /** Outgoing mail: SMTP (TRESOR_SMTP_URL) or .eml files in `<dataDir>/mail/outbox/`. */
  mailer: Mailer
  /** The versioned wording of consent checkboxes (Art. 7(1)). */
  consentTexts: ConsentTextService
  /** Form definitions per touchpoint, checked for data minimisation. */
  forms: FormService
  /** Public form submissions: the person through the gate, consents with proof, double opt-in. */
  formSubmissions: FormSubmissionService
  /** Double opt-in requests: the confirmation link, its confirmation and expiry. */
  doubleOptIn: DoubleOptInService
  /** Unsubscribe links: one per subject, purpose and channel; withdrawal or objection when followed. */
  unsubscribe: UnsubscribeService
  /** The one way a marketing mail leaves: gate-checked, with the unsubscribe link (headers and footer). */
  marketingMail: MarketingMailService
  /** Data subject requests as received (Art. 12-22), with the deadline from receipt (Art. 12(3)). */
  requests: RequestService
  /** Answering data subject requests: the steps, the access report (Art. 15), the portal download, deadline warnings. */
  requestWorkflow: RequestWorkflowService
  /** The privacy portal's sign-in links and sessions (the data subject's access). */
  portalAccess: PortalAccessService
  /** The privacy portal /p/portal: consents, objections and requests of the signed-in person. */
  portal: PortalService
  /** The deletion concept as data: retention rules, their legal minimums, versions (the DPO's). */
  retention: RetentionRuleService
  /** The deletion concept as a document (de/en, HTML and PDF), generated from the rules. */
  deletionConcept: DeletionConceptService
  /** Legal holds (Art. 17(3)): derived from the data and entered by the DPO; what an erasure keeps. */
  holds: HoldService
  /** Decisions on applications and contract ends: the dates some retention clocks start from. */
  milestones: MilestoneService
  /** Finishes held erasures when their holds end; replays the erasure ledger after a restore. */
  erasures: ErasureService
  /** The retention sweeper: plans (dry runs), their approval, runs (issue #13; docs/adr/0015). */
  sweeper: RetentionSweeper
  /** The installation's settings: controller, DPO contact, logo and colour of pages and mails. */
  settings: SettingsService
  /** Customer scores (CLV, P(alive), churn, RFM, ABC) under the profiling purpose, with explanations. */
  scores: ScoreService
  /** Segments (issue #16): saved, versioned rule trees; live counts, audience per channel, members through the gate. */
  segments: SegmentService
  /** Journeys (issue #17, "Triggers"): welcome, reactivation, abandoned-order reminder; job `journeys.tick`. */
  journeys: JourneyService
  /** Campaigns (issue #17, docs/adr/0020): configuration, live audience, preview, schedule, report. */
  campaigns: CampaignService
  /** A campaign's send: the lease, the audience into the ledger, batches re-checked through the gate. */
  campaignSend: CampaignSend
  /** The campaign channels' senders, one per channel: `campaignChannels.register(sender)`. */
  campaignChannels: ChannelRegistry
  /** SMS, post and phone (senders, print lists, call lists and calls), bounces and SMS delivery reports. */
  campaignChannelOps: CampaignChannelServices
  /** The breach register (Art. 33, 34): the 72-hour clock, the affected people from the audit trail. */
  breaches: BreachService
  /** A breach's draft notification (Art. 33(3)), its Art. 34 letters, the DPO's reminders. */
  breachNotices: BreachNoticeService
  /** The record of processing activities (Art. 30(1)), generated from the configuration, with its versions. */
  processingRecords: ProcessingRecordService
  /** Cheapest round trip to the database, for health checks. */
  ping(): Promise<void>
}

export interface Runtime {
  config: Config
  logger: Logger
  database: Database
  masterKey: Buffer
  /** The master key(s) this process holds: the current one, and the next during a rotation. */
  keyring: Keyring
  services: Services
  close(): Promise<void>
}

export function createServices(
  database: Database,
  config: Config,
  masterKey: Buffer,
  keyring: Keyring = new Keyring({ current: masterKey }),
  /** A read replica for heavy pseudonymous reads (DATABASE_REPLICA_URL); the primary without. */
  reads: Kysely<Schema> = database.db,
): Services {
  const users = new UserRepository(database.db)
  const masterKeyRepository = new MasterKeyRepository(database.db)
  const secrets = new VaultSecretService(
    database.db,
    new VaultSecretRepository(database.db),
    masterKeyRepository,
    keyring,
  )
  // Checkpoints are signed with the Ed25519 key the vault keeps wrapped by the master key.
  const audit = new AuditLog(database.db, new AuditRepository(database.db), {
    signer: async () => ed25519AuditSigner((await auditSigningKey(secrets)).privateKey),
  })
  const roles = new RoleService(new RoleRepository(database.db), audit)
  const purposes = new PurposeService(new PurposeRepository(database.db), database.db, audit)
  const retention = new RetentionRuleService({
    repository: new RetentionRuleRepository(database.db),
    db: database.db,
    audit,
    purposeExists: async (key, trx) => (await purposes.find(key, trx)) !== undefined,
  })
  const vault = new VaultService({
    db: database.db,
    repository: new VaultRepository(database.db),
    masterKeys: masterKeyRepository,
    keyring,
    secrets,
    phoneRegion: config.phoneRegion,
    concurrentWriters: database.engine === 'postgres',
  })
  const permissions = new PermissionService(
    new PermissionRepository(database.db),
    purposes,
    database.db,
    audit,
  )
  const subjectRepository = new SubjectRepository(database.db)
  const scoreStore = new ScoreStore({
    db: database.db,
    repository: new ScoreRepository(database.db, reads),
    audit,
    purposes,
    permissions,
    roles,
  })
  // Art. 7(3), 21(3): a withdrawal of the consent to profiling, or an objection covering it, deletes
  // the subject's scores in its own transaction.
  permissions.onPermissionLoss((loss, trx) => scoreStore.forgetWhereDenied(loss, trx))
  const recordRepository = new RecordRepository(database.db)
  const records = new RecordGate({
    db: database.db,
    records: recordRepository,
    audit,
    vault,
    purposes,
    permissions,
    roles,
  })
  const fieldRegistry = new FieldRegistry()
  const fields = new FieldService({
    repository: new FieldRepository(database.db),
    db: database.db,
    audit,
    registry: fieldRegistry,
    purposes,
  })
  purposes.setRoleCatalog((name) => roles.exists(name))
  roles.setPurposes({
    exists: async (key) => (await purposes.find(key)) !== undefined,
    addRole: async (key, role, by) => {
      const purpose = await purposes.get(key)
      if (purpose.scope.roles.includes(role)) return
      await purposes.update(
        key,
        { scope: { ...purpose.scope, roles: [...purpose.scope.roles, role] } },
        { actor: by.actor, requestId: by.requestId },
      )
    },
  })
  const holdRepository = new HoldRepository(database.db)
  // The periods of the derived holds are the deletion concept's (the DPO's current rules).
  const holds = new HoldService({
    db: database.db,
    repository: holdRepository,
    audit,
    rules: () => holdRulesFrom((key) => retention.find(key)),
  })
  const ledgerFile = new ErasureLedgerFile(config.erasureLedgerPath)
  const gate = new Gate({
    merges: new SubjectMergeRepository(database.db),
    fields: fieldRegistry,
    records: recordRepository,
    holds,
    holdRecords: holdRepository,
    ledgerFile,
    // The webhooks' outbox, wired below (it reads subjects through this gate).
    events: { emit: (event, ids, trx) => webhooks.emit(event, ids, trx) },
    db: database.db,
    subjects: subjectRepository,
    audit,
    vault,
    purposes,
    permissions,
    roles,
    concurrentReads: database.engine === 'postgres',
  })
  const recipientRepository = new RecipientRepository(database.db)
  const recipients = new RecipientService({
    repository: recipientRepository,
    db: database.db,
    audit,
    purposeExists: async (key, trx) => (await purposes.find(key, trx)) !== undefined,
  })
  const disclosures = new DisclosureService({
    recipients,
    repository: recipientRepository,
    audit,
    categoryOf: (field) => fieldRegistry.categoryOf(field),
  })
  const webhooks = new WebhookService({
    db: database.db,
    repository: new WebhookRepository(database.db),
    recipients,
    disclosures,
    gate,
    secrets,
    audit,
    settings: { allowPrivateNetworks: config.webhooksAllowPrivate },
  })
  // Art. 19: consents, objections and restrictions reach the recipients subscribed to them.
  permissions.onPermissionChange((kind, ids, trx) =>
    webhooks.emit(
      kind === 'consent'
        ? 'consent.changed'
        : kind === 'objection'
          ? 'objection.recorded'
          : 'subject.restricted',
      ids,
      trx,
    ),
  )
  // Sealed under a vault secret (not a key derived from the master key), so a master-key
  // rotation rewraps it like every other secret and TOTP keeps working.
  const totpBox = deferredSecretBox()
  const subjects = new SubjectService(gate, (kind, attributes) => subjectRepository.count(kind, attributes), {
    mayRecord: (role) => roles.has(role, 'permissions:write'),
    record: (events, trx) => permissions.recordConsent(events, trx),
  })
  const events = new EventService(records)
  const products = new ProductRepository(database.db)
  const settings = new SettingsService({
    repository: new SettingsRepository(database.db),
    db: database.db,
    audit,
  })
  // Every mail ends with who the controller and the DPO are (the settings at the time of sending).
  const mailer = createMailer(config.mail, undefined, {
    identity: async (lang) => identityLines(await settings.current(), lang),
  })
  const brandingOfMails = async () => mailBranding(await settings.current(), config.publicUrl)
  const breaches = new BreachService({
    repository: new BreachRepository(database.db),
    db: database.db,
    audit,
  })
  const consentTexts = new ConsentTextService({
    repository: new ConsentTextRepository(database.db),
    db: database.db,
    audit,
    purposes,
  })
  const forms = new FormService({
    repository: new FormRepository(database.db),
    db: database.db,
    audit,
    purposes,
    consentTexts,
  })
  const doubleOptIn = new DoubleOptInService({
    repository: new DoiRequestRepository(database.db),
    permissions,
    db: database.db,
    settings: config.doubleOptIn,
  })
  const unsubscribe = new UnsubscribeService({
    repository: new UnsubscribeTokenRepository(database.db),
    permissions,
    purposes,
    secrets,
    db: database.db,
    publicUrl: config.publicUrl,
  })
  const marketingMail = new MarketingMailService({ gate, purposes, unsubscribe, mailer })
  const dsrStore = new DsrRequestService({
    repository: new DsrRequestRepository(database.db),
    vault,
    audit,
    db: database.db,
    events: { emit: (event, ids, trx) => webhooks.emit(event, ids, trx) },
  })
  const requests = new RequestService({ store: dsrStore, deadline: config.dsr.deadline })
  // Answering requests (issue #15): the access report read through the kernel under dsr_fulfilment.
  const auditHistory = new AuditRepository(database.db)
  const requestWorkflow = new RequestWorkflowService({
    store: dsrStore,
    collector: new AccessReportService({
      db: database.db,
      repository: new AccessReportRepository(database.db),
      gate,
      vault,
      audit,
      history: (id, before, limit) => auditHistory.history(id, before, limit),
      fields: fieldRegistry,
      scores: scoreStore,
      concurrentReads: database.engine === 'postgres',
    }),
    gate,
    purposes,
    retention,
    // Art. 15(1)(c), (2): to whom the data was disclosed, with the safeguard of a third-country transfer.
    disclosures: async (subjectId, ctx) => {
      const found = await disclosures.ofSubject(subjectId, ctx)
      const safeguards = new Map<string, string>()
      for (const id of new Set(found.map((d) => d.recipient.id)))
        safeguards.set(id, (await recipients.find(id))?.mechanism ?? 'none')
      return found.map((d) => ({
        at: d.at.toISOString(),
        recipient: { ...d.recipient, safeguard: safeguards.get(d.recipient.id) ?? 'none' },
        purpose: d.purpose,
        fields: d.fields,
        channel: d.channel,
      }))
    },
    settings: () => settings.current(),
    categoryOf: (field) => fieldRegistry.categoryOf(field),
    labelOf: (field) => fieldRegistry.get(field)?.label,
    mailer,
    publicUrl: config.publicUrl,
    // The generated answers per kind (docs/adr/0021): the existing rectify, erase, restrict and
    // objection paths; Art. 19: the recipients disclosed to, with their webhooks' events.
    subjects,
    permissions,
    art19: async (subjectId, ctx) => {
      const targets = art19Recipients(await disclosures.ofSubject(subjectId, ctx), await webhooks.list())
      return Promise.all(
        targets.map(async (t) => ({
          recipient: t.recipient,
          fieldCategories: (await recipients.find(t.recipient.id))?.fieldCategories ?? [],
          notifiedBy: t.notifiedBy,
        })),
      )
    },
    scores: scoreStore,
  })
  const portalAccess = new PortalAccessService({
    repository: new PortalAccessRepository(database.db),
    vault,
    audit,
    db: database.db,
    settings: config.portal,
  })
  // Campaigns (issue #17): the e-mail channel over its own pooled SMTP transport (or the outbox);
  // the channels engineer's senders are registered here too, one line each.
  const campaignChannels = new ChannelRegistry().register(
    new EmailSender({
      mail: config.mail,
      campaigns: config.campaigns,
      linksFor: (ids, purposeKey, channel, options) =>
        unsubscribe.linksFor(ids, purposeKey, channel, options),
      identity: async (lang) => identityLines(await settings.current(), lang),
      // Opens and clicks (campaigns with trackOpens, only with the tracking consent): called per mail.
      trackedHtml: (html, messageId) => campaignChannelOps.tracking.html(html, messageId),
    }),
  )
  const campaignChannelOps = createCampaignChannelServices({
    db: database.db,
    gate,
    permissions,
    purposes,
    disclosures,
    records: recordRepository,
    vault,
    audit,
    unsubscribe,
    secrets,
    settings: config.campaignChannels,
    publicUrl: config.publicUrl,
  })
  for (const sender of Object.values(campaignChannelOps.senders)) campaignChannels.register(sender)
  const campaignEngine = new SegmentEngine({
    queries: new SegmentQueryRepository(database.db),
    purposes,
    roles,
    fields: fieldRegistry,
    audit,
    gate,
  })
  const campaignSegments = new SegmentService({
    repository: new SegmentRepository(database.db),
    engine: campaignEngine,
    audit,
  })
  const campaignLedger = new CampaignLedger({
    db: database.db,
    gate,
    segments: campaignEngine,
    permissions,
    parallelism: database.engine === 'postgres' ? 2 : 1,
  })
  const campaignRepository = new CampaignRepository(database.db)
  const access = new AccessService({
    users,
    roles,
    audit,
    secrets: totpBox,
    policy: { idleMinutes: config.sessionIdleMinutes, absoluteHours: config.sessionAbsoluteHours },
  })
  return {
    roles,
    access,
    gate,
    scoreCharts: new ScoreCharts(new ScoreChartsRepository(reads)),
    personas: new PersonaService({
      store: new PersonaStore({ repository: new PersonaRepository(database.db, reads), audit, purposes }),
    }),
    recommendations: new RecommendationStore({
      repository: new RecommendationRepository(database.db, reads),
      scores: scoreStore,
      audit,
      purposes,
    }),
    statistics: new StatisticsService({
      repository: new StatisticsRepository(reads),
      timeZone: async () => (await settings.current()).timeZone,
    }),
    fields,
    records,
    events,
    tracking: new TrackingService({ records, permissions, counts: new TrackingCountRepository(database.db) }),
    subjects,
    overviews: new SubjectOverviewService({ subjects, records, permissions, roles, holds }),
    organisations: new OrganisationService(new OrganisationRepository(database.db), records),
    orders: new OrderService(records, products),
    sales: new SalesService(records, new PipelineRepository(database.db)),
    exports: new ExportService(gate, audit, (role) => roles.fieldCategoriesOf(role), disclosures),
    recipients,
    disclosures,
    webhooks,
    imports: new ImportService({
      gate,
      records,
      events,
      permissions,
      purposes,
      products,
      fields: fieldRegistry,
      repository: new ImportRepository(database.db, {
        concurrentProcesses: database.engine === 'postgres',
      }),
    }),
    vault,
    totpBox,
    secrets,
    masterKeys: new MasterKeyService(database.db, masterKeyRepository, keyring),
    purposes,
    permissions,
    consents: new ConsentProofService({ permissions, purposes, roles, audit, users: access }),
    audit,
    mailer,
    consentTexts,
    forms,
    formSubmissions: new FormSubmissionService({
      forms,
      gate,
      permissions,
      purposes,
      doubleOptIn,
      db: database.db,
      mailer,
      publicUrl: config.publicUrl,
      settings,
      mailBranding: brandingOfMails,
    }),
    doubleOptIn,
    unsubscribe,
    marketingMail,
    requests,
    requestWorkflow,
    portalAccess,
    portal: new PortalService({
      access: portalAccess,
      permissions,
      purposes,
      consentTexts,
      requests,
      answers: requestWorkflow,
      mailer,
      publicUrl: config.publicUrl,
      mailBranding: brandingOfMails,
    }),
    holds,
    milestones: new MilestoneService({ db: database.db, audit }),
    erasures: new ErasureService({ gate, holds, repository: holdRepository, ledgerFile }),
    sweeper: new RetentionSweeper({
      db: database.db,
      repository: new RetentionSweepRepository(database.db),
      rules: retention,
      gate,
      holdRules: () => holds.rules(),
      audit,
      concurrentReads: database.engine === 'postgres',
    }),
    retention,
    deletionConcept: new DeletionConceptService({
      rules: retention,
      // The controller as the installation's settings name it (Art. 13(1)(a)); unset: the document says so.
      controllerName: async () => (await settings.current()).controller.name ?? undefined,
    }),
    settings,
    scores: new ScoreService({
      scores: scoreStore,
      permissions,
      settings: config.scores,
      concurrency: database.engine === 'postgres' ? 2 : 1,
    }),
    segments: new SegmentService({
      repository: new SegmentRepository(database.db),
      engine: new SegmentEngine({
        queries: new SegmentQueryRepository(database.db),
        purposes,
        roles,
        fields: fieldRegistry,
        audit,
        gate,
      }),
      audit,
    }),
    breaches,
    breachNotices: new BreachNoticeService({
      breaches,
      gate,
      mailer,
      settings: () => settings.current(),
    }),
    processingRecords: new ProcessingRecordService({
      repository: new ProcessingRecordRepository(database.db),
      db: database.db,
      audit,
      settings: () => settings.current(),
      purposes: () => purposes.list(),
      fields: () => fields.list(),
      retentionRules: () => retention.list(),
      recipients: recipientsFromRegistry(() => recipients.list()),
    }),
    campaignChannels,
    campaignChannelOps,
    campaigns: new CampaignService({
      repository: campaignRepository,
      ledger: campaignLedger,
      channels: campaignChannels,
      gate,
      audit,
      purposes,
      segments: campaignSegments,
      recipients,
      roles,
      categoryOf: (field) => fieldRegistry.categoryOf(field),
      isStaffAddress: async (email) => (await users.findByEmail(email.trim().toLowerCase())) !== undefined,
      mailer,
      publicUrl: config.publicUrl,
      smsMaxSegments: config.campaignChannels.smsMaxSegments,
    }),
    campaignSend: new CampaignSend({
      repository: campaignRepository,
      ledger: campaignLedger,
      channels: campaignChannels,
      segments: campaignSegments,
      fields: fieldRegistry,
      settings: config.campaigns,
      messageDomain: mailDomain(config.mail.from),
    }),
    journeys: new JourneyService({
      repository: new JourneyRepository(database.db),
      enrolments: new JourneyEnrolments({ repository: new JourneyEnrolmentRepository(database.db), audit }),
      purposes,
      gate,
      marketingMail,
      audit,
      concurrency: database.engine === 'postgres' ? 8 : 1,
      segments: campaignSegments,
      segmentEngine: campaignEngine,
      // SMS steps only where a provider is set up (TRESOR_SMS_URL).
      sms: config.campaignChannels.smsUrl ? campaignChannels.get('sms') : undefined,
    }),
    ping: async () => {
      await sql`select 1`.execute(database.db)
    },
  }
}

/**
 * Opens the database named by the configuration (PGlite under the data dir unless DATABASE_URL
 * is set), brings the schema up to date and wires the services.
 */
export async function openRuntime(
  config: Config,
  options: {
    logger?: Logger
    inMemory?: boolean
    migrate?: boolean
    /**
     * One-shot commands: beside a running `tresor serve` on the embedded database, use its
     * database through the socket it shares (docs/adr/0013) instead of failing.
     */
    attach?: boolean
  } = {},
): Promise<Runtime> {
  const logger = options.logger ?? createLogger(config.logLevel)
  const masterKeys = loadMasterKeys(config)
  const masterKey = masterKeys.current
  // During an unfinished rotation both keys are held; a process started before one re-reads the
  // key files when it meets a key id it doesn't hold (never creating a key).
  const keyring = new Keyring(masterKeys, {
    reload: () => loadMasterKeys(config, process.env, { create: false }),
  })
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    pgliteDir: options.inMemory ? undefined : path.join(config.dataDir, 'pgdata'),
    attach: options.attach ?? false,
  })
  // Heavy pseudonymous reads go to the replica where there is one (a hot standby of the primary).
  const replica = config.databaseReplicaUrl
    ? await openDatabase({ databaseUrl: config.databaseReplicaUrl, poolSize: 5 }).catch(
        async (error: unknown) => {
          await database.close()
          throw error
        },
      )
    : undefined
  const closeAll = async () => {
    await replica?.close()
    await database.close()
  }
  // Beside a running server, which migrated at its start and owns the running imports, this
  // process checks the schema instead of migrating and leaves the server's imports alone.
  const owner = options.migrate !== false && !database.attached
  let services: Services
  try {
    if (database.attached) await checkMigrated(database)
    else if (owner) await migrate(database)
    services = createServices(database, config, masterKey, keyring, replica?.db)
    // Seeds the built-in roles and loads every role into memory for the permission checks.
    await services.roles.init()
    // Refuses a master key that doesn't match the database's; creates the vault's secrets on first start.
    await services.masterKeys.init()
    await services.vault.init()
    services.totpBox.init(await services.secrets.get(VAULT_SECRETS.totp, () => randomBytes(32)))
    // Inserts the default purposes (LEGAL.md) that are missing; never overwrites a DPO's edit.
    await services.purposes.seed()
    // The deletion concept's rules (LEGAL.md) that are missing, after the purposes they may name;
    // never overwrites a DPO's edit, keeps the legal minimums as this release knows the law.
    await services.retention.seed()
    // The Commission's adequacy decisions (LEGAL.md) that are missing; never overwrites the DPO's review.
    await services.recipients.seed()
    // The field catalog: seeds the default fields (never overwriting an admin's edit), loads it.
    await services.fields.init()
    // Consent texts (version 1 where a consent purpose has none) and the five seeded forms.
    await services.consentTexts.seed()
    await services.forms.seed()
    // Imports a process that ended mid-way left `running` (no live process holds them).
    if (owner) {
      const interrupted = await services.imports.markInterrupted()
      if (interrupted > 0)
        logger.warn({ imports: interrupted }, 'imports left running by an ended process marked interrupted')
    }
  } catch (error) {
    await closeAll()
    throw error
  }
  return {
    config,
    logger,
    database,
    masterKey,
    keyring,
    services,
    close: async () => {
      services.campaignChannels.close()
      await closeAll()
    },
  }
}

/** The domain of the sender address (`Name <user@domain>`): the right side of campaign Message-IDs. */
function mailDomain(from: string): string {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from
  const domain = address.split('@')[1]?.trim().toLowerCase()
  return domain && /^[a-z0-9.-]+$/.test(domain) ? domain : 'localhost'
}
