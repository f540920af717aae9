import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { actorOf } from '../../server/auth.ts'
import { auditActor } from '../access/access.service.ts'
import type { ConsentText, ConsentTextService } from './consent-text.service.ts'
import {
  ConsentTextJson,
  ConsentTextQuery,
  FormJson,
  FormParams,
  FormPatch,
  FormTypeJson,
  NewConsentText,
  NewForm,
} from './form.schemas.ts'
import type { Form, FormService } from './form.service.ts'

/** The admin API of forms and consent texts (under /api/v1). */
export const formRoutes =
  (forms: FormService, consentTexts: ConsentTextService, publicUrl: string): FastifyPluginAsyncTypebox =>
  async (app) => {
    const json = (form: Form) => ({
      ...form,
      publicUrl: `${publicUrl}/p/forms/${encodeURIComponent(form.key)}`,
      createdAt: form.createdAt.toISOString(),
      updatedAt: form.updatedAt.toISOString(),
    })
    const textJson = (text: ConsentText) => ({ ...text, createdAt: text.createdAt.toISOString() })
    const changedBy = (request: Parameters<typeof actorOf>[0]) => ({
      actor: auditActor(actorOf(request)),
      requestId: request.id,
    })

    app.get(
      '/form-types',
      {
        config: { access: 'authenticated' },
        schema: {
          tags: ['forms'],
          summary: 'What each form type may ask for, and why (data minimisation, Art. 5(1)(c))',
          response: { 200: Type.Array(FormTypeJson) },
        },
      },
      () => forms.types().map((t) => ({ ...t, fields: [...t.fields] })),
    )

    app.get(
      '/forms',
      {
        config: { access: 'authenticated' },
        schema: {
          tags: ['forms'],
          summary: 'The public forms',
          response: { 200: Type.Array(FormJson) },
        },
      },
      async () => (await forms.list()).map(json),
    )

    app.get(
      '/forms/:key',
      {
        config: { access: 'authenticated' },
        schema: { tags: ['forms'], summary: 'One form', params: FormParams, response: { 200: FormJson } },
      },
      async (request) => json(await forms.get(request.params.key)),
    )

    app.post(
      '/forms',
      {
        config: { access: 'forms:manage' },
        schema: {
          tags: ['forms'],
          summary: 'Define a form',
          description:
            'The fields must be ones the form type may ask for (GET /form-types), its required ones included; every offered purpose must rest on consent, be reachable through a field of the form, confirm by e-mail if it needs double opt-in, and have a consent text (default: the newest version). Each problem is named in `errors[]`. Audited.',
          body: NewForm,
          response: { 201: FormJson },
        },
      },
      async (request, reply) =>
        reply.code(201).send(json(await forms.create(request.body, changedBy(request)))),
    )

    app.patch(
      '/forms/:key',
      {
        config: { access: 'forms:manage' },
        schema: {
          tags: ['forms'],
          summary: 'Change a form: title, fields, offered consents, notice, active',
          description: 'Checked like a new form; the type stays. Audited; bumps the version.',
          params: FormParams,
          body: FormPatch,
          response: { 200: FormJson },
        },
      },
      async (request) => json(await forms.update(request.params.key, request.body, changedBy(request))),
    )

    app.get(
      '/consent-texts',
      {
        config: { access: 'authenticated' },
        schema: {
          tags: ['forms'],
          summary: 'Consent texts, every version (optionally of one purpose)',
          querystring: ConsentTextQuery,
          response: { 200: Type.Array(ConsentTextJson) },
        },
      },
      async (request) => (await consentTexts.list(request.query.purpose)).map(textJson),
    )

    app.post(
      '/consent-texts',
      {
        config: { access: 'forms:manage' },
        schema: {
          tags: ['forms'],
          summary: 'Add a new version of a consent purpose’s checkbox text',
          description:
            'Versions are never changed: consent proofs name the version shown. Forms keep the version they name until changed. Audited.',
          body: NewConsentText,
          response: { 201: ConsentTextJson },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(
            textJson(await consentTexts.add(request.body.purposeKey, request.body.text, changedBy(request))),
          ),
    )
  }
