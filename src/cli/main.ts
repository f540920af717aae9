import { Command } from 'commander'
import { VERSION } from '../platform/version.ts'
import { registerAnalytics } from './analytics.ts'
import { registerArt30 } from './art30.ts'
import { registerAudit } from './audit.ts'
import { registerBreaches } from './breaches.ts'
import { registerCampaignChannels } from './campaign-channels.ts'
import { registerCampaigns } from './campaigns.ts'
import { enableCliCompileCache } from './compile-cache.ts'
import { registerConsent } from './consent.ts'
import { registerDemo } from './demo.ts'
import { registerErasures } from './erasures.ts'
import { registerExport } from './export.ts'
import { registerFields } from './fields.ts'
import { registerHolds } from './holds.ts'
import { registerImport } from './import.ts'
import { registerJourneys } from './journeys.ts'
import { registerKeys } from './keys.ts'
import { registerMigrate } from './migrate.ts'
import { registerMilestones } from './milestones.ts'
import { registerPurposes } from './purposes.ts'
import { registerRecipients } from './recipients.ts'
import { registerRequests } from './requests.ts'
import { registerRetention } from './retention.ts'
import { registerRoles } from './roles.ts'
import { registerSegments } from './segments.ts'
import { registerServe } from './serve.ts'
import { reportAndExit } from './shared.ts'
import { registerToken } from './token.ts'
import { registerUser } from './user.ts'
import { registerWorker } from './worker.ts'

/** The `tresor` command. One file per verb group; each registers its subcommands here. */
export function buildProgram(): Command {
  const program = new Command('tresor')
    .description('Tresor — GDPR-native CRM and customer data platform')
    .version(VERSION)
    .showHelpAfterError()
  registerServe(program)
  registerWorker(program)
  registerMigrate(program)
  registerDemo(program)
  registerImport(program)
  registerExport(program)
  registerFields(program)
  registerUser(program)
  registerToken(program)
  registerKeys(program)
  registerRoles(program)
  registerAudit(program)
  registerPurposes(program)
  registerRecipients(program)
  registerConsent(program)
  registerRequests(program)
  registerHolds(program)
  registerMilestones(program)
  registerErasures(program)
  registerAnalytics(program)
  registerSegments(program)
  registerCampaignChannels(registerCampaigns(program))
  registerJourneys(program)
  registerRetention(program)
  registerBreaches(program)
  registerArt30(program)
  return program
}

try {
  enableCliCompileCache()
  await buildProgram().parseAsync(process.argv)
} catch (error) {
  reportAndExit(error)
}
