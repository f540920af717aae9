import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { contextOf } from '../../server/request-context.ts'
import {
  Deal,
  DealMove,
  DealParams,
  NewDeal,
  NewNote,
  Note,
  NoteParams,
  PipelineStage,
  SubjectParams,
} from './sales.schemas.ts'
import type { SalesService } from './sales.service.ts'

export const salesRoutes =
  (sales: SalesService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/pipeline-stages',
      {
        config: { access: 'authenticated' },
        schema: {
          tags: ['sales'],
          summary: 'The stages of the sales pipeline',
          response: { 200: Type.Array(PipelineStage) },
        },
      },
      () => sales.stages(),
    )

    app.get(
      '/subjects/:id/deals',
      {
        config: { access: 'subjects:read' },
        schema: {
          tags: ['sales'],
          summary: "A contact's deals",
          description: 'Needs the pipeline field category. Audited.',
          params: SubjectParams,
          response: { 200: Type.Array(Deal) },
        },
      },
      (request) => sales.deals(contextOf(request), request.params.id),
    )

    app.post(
      '/subjects/:id/deals',
      {
        config: { access: 'subjects:write' },
        schema: {
          tags: ['sales'],
          summary: 'Open a deal with a contact',
          params: SubjectParams,
          body: NewDeal,
          response: { 201: Deal },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await sales.addDeal(contextOf(request), request.params.id, request.body)),
    )

    app.patch(
      '/subjects/:id/deals/:dealId',
      {
        config: { access: 'subjects:write' },
        schema: {
          tags: ['sales'],
          summary: 'Move a deal to another stage',
          params: DealParams,
          body: DealMove,
          response: { 200: Deal },
        },
      },
      (request) =>
        sales.moveDeal(contextOf(request), request.params.id, request.params.dealId, request.body.stageKey),
    )

    app.get(
      '/subjects/:id/notes',
      {
        config: { access: 'subjects:read' },
        schema: {
          tags: ['sales'],
          summary: 'Staff notes and tasks about a contact, newest first',
          description: 'Needs the notes field category; the texts are decrypted for you. Audited.',
          params: SubjectParams,
          response: { 200: Type.Array(Note) },
        },
      },
      (request) => sales.notes(contextOf(request), request.params.id),
    )

    app.post(
      '/subjects/:id/notes',
      {
        config: { access: 'subjects:write' },
        schema: {
          tags: ['sales'],
          summary: 'Add a note or a task',
          description: "The text is encrypted under the person's key and shredded with it (Art. 17).",
          params: SubjectParams,
          body: NewNote,
          response: { 201: Note },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await sales.addNote(contextOf(request), request.params.id, request.body)),
    )

    app.post(
      '/subjects/:id/notes/:noteId/done',
      {
        config: { access: 'subjects:write' },
        schema: {
          tags: ['sales'],
          summary: 'Mark a task done',
          params: NoteParams,
          response: { 200: Note },
        },
      },
      (request) => sales.completeTask(contextOf(request), request.params.id, request.params.noteId),
    )
  }
