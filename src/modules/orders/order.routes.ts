import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { contextOf } from '../../server/request-context.ts'
import {
  Invoice,
  InvoiceParams,
  NewInvoice,
  NewOrder,
  NewProduct,
  Order,
  Payment,
  PurposeQuery,
  SubjectRecordParams,
} from './order.schemas.ts'
import type { OrderService } from './order.service.ts'

export const orderRoutes =
  (orders: OrderService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/products',
      {
        config: { access: 'subjects:read' },
        schema: {
          tags: ['orders'],
          summary: 'The product catalogue, by SKU',
          querystring: Type.Object(
            {
              limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
              after: Type.Optional(
                Type.String({ maxLength: 64, description: 'The last SKU of the previous page.' }),
              ),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              items: Type.Array(Type.Ref('Product')),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
          },
        },
      },
      (request) => orders.products(request.query.limit, request.query.after),
    )

    app.put(
      '/products',
      {
        config: { access: 'catalog:manage' },
        schema: {
          tags: ['orders'],
          summary: 'Create or update a product by SKU',
          body: NewProduct,
          response: { 200: Type.Ref('Product') },
        },
      },
      (request) => orders.saveProduct(request.body),
    )

    app.get(
      '/subjects/:id/orders',
      {
        config: { access: 'subjects:read' },
        schema: {
          tags: ['orders'],
          summary: "A customer's orders, newest first (up to 200)",
          description:
            'Needs the purchases field category; read for order processing unless another purpose is named. Audited.',
          params: SubjectRecordParams,
          querystring: PurposeQuery,
          response: { 200: Type.Array(Order) },
        },
      },
      (request) => orders.orders(contextOf(request), request.params.id, request.query.purpose),
    )

    app.post(
      '/subjects/:id/orders',
      {
        config: { access: 'subjects:write' },
        schema: {
          tags: ['orders'],
          summary: 'Record an order with its lines',
          description:
            'The total is the sum of the lines. An order number already stored for the customer is a conflict (409), so a retried request is not stored twice. Processed under order_processing (contract); audited.',
          params: SubjectRecordParams,
          body: NewOrder,
          response: { 201: Order },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await orders.addOrder(contextOf(request), request.params.id, request.body)),
    )

    app.get(
      '/subjects/:id/invoices',
      {
        config: { access: 'subjects:read' },
        schema: {
          tags: ['orders'],
          summary: "A customer's invoices, newest first, with paid / open / overdue",
          description:
            'Needs the billing field category. Read for order processing unless another purpose is named; `invoicing_retention` (the § 147 AO / § 257 HGB retention duty) reaches only subjects with invoices, also restricted ones (Art. 18(2)), and only the invoices and the billing identity. Audited.',
          params: SubjectRecordParams,
          querystring: PurposeQuery,
          response: { 200: Type.Array(Invoice) },
        },
      },
      (request) => orders.invoices(contextOf(request), request.params.id, request.query.purpose),
    )

    app.post(
      '/subjects/:id/invoices',
      {
        config: { access: 'subjects:write' },
        schema: {
          tags: ['orders'],
          summary: 'Record an invoice',
          description:
            'Kept under invoicing_retention (legal obligation). An invoice number already stored is a conflict (409).',
          params: SubjectRecordParams,
          body: NewInvoice,
          response: { 201: Invoice },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await orders.addInvoice(contextOf(request), request.params.id, request.body)),
    )

    app.post(
      '/subjects/:id/invoices/:invoiceId/payment',
      {
        config: { access: 'subjects:write' },
        schema: {
          tags: ['orders'],
          summary: 'Record that an open invoice was paid',
          description:
            'Recorded for order processing unless another purpose is named; `invoicing_retention` reaches a subject whose erasure keeps the invoice (restricted, Art. 18(2)), so the payment that ends the claim can be recorded.',
          params: InvoiceParams,
          querystring: PurposeQuery,
          body: Payment,
          response: { 200: Invoice },
        },
      },
      (request) =>
        orders.markPaid(
          contextOf(request),
          request.params.id,
          request.params.invoiceId,
          request.body.paidAt,
          request.query.purpose,
        ),
    )
  }
