import { type Static, Type } from 'typebox'
import { nullable } from '../../platform/nullable.ts'

const Currency = Type.String({ pattern: '^[A-Z]{3}$', default: 'EUR', description: 'ISO 4217.' })
const Cents = Type.Integer({ minimum: 0, maximum: 1e12, description: 'Amount in the smallest unit (cents).' })
const IsoDate = Type.String({ format: 'date', description: 'YYYY-MM-DD.' })
const DateTime = Type.String({ format: 'date-time' })

export const ORDER_STATUSES = ['open', 'fulfilled', 'cancelled', 'returned'] as const
export const PAYMENT_METHODS = [
  'invoice',
  'direct_debit',
  'card',
  'paypal',
  'cash',
  'bank_transfer',
  'other',
] as const

export const NewProduct = Type.Object(
  {
    sku: Type.String({ minLength: 1, maxLength: 64 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    category: Type.Optional(nullable(Type.String({ minLength: 1, maxLength: 100 }))),
    unitPriceCents: Type.Optional(nullable(Cents)),
    currency: Type.Optional(Currency),
  },
  { additionalProperties: false },
)
export type NewProduct = Static<typeof NewProduct>

export const Product = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    sku: Type.String(),
    name: Type.String(),
    category: nullable(Type.String()),
    unitPriceCents: nullable(Type.Integer()),
    currency: Type.String(),
  },
  { $id: 'Product' },
)
export type Product = Static<typeof Product>

export const NewOrder = Type.Object(
  {
    orderNumber: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'Unique per customer; makes imports idempotent.',
    }),
    orderedAt: DateTime,
    status: Type.Optional(Type.Enum(ORDER_STATUSES, { default: 'open' })),
    currency: Type.Optional(Currency),
    paymentMethod: Type.Optional(nullable(Type.Enum(PAYMENT_METHODS))),
    lines: Type.Array(
      Type.Object(
        {
          sku: Type.Optional(
            Type.String({ minLength: 1, maxLength: 64, description: 'A product of the catalogue.' }),
          ),
          description: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
          quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
          unitPriceCents: Cents,
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 500 },
    ),
  },
  { additionalProperties: false },
)
export type NewOrder = Static<typeof NewOrder>

export const Order = Type.Object({
  id: Type.String({ format: 'uuid' }),
  orderNumber: Type.String(),
  orderedAt: DateTime,
  status: Type.String(),
  currency: Type.String(),
  totalCents: Type.Integer(),
  itemCount: Type.Integer(),
  paymentMethod: nullable(Type.String()),
  source: Type.String(),
  lines: Type.Array(
    Type.Object({
      lineNo: Type.Integer(),
      productId: nullable(Type.String()),
      description: nullable(Type.String()),
      quantity: Type.Integer(),
      unitPriceCents: Type.Integer(),
    }),
  ),
})
export type Order = Static<typeof Order>

export const NewInvoice = Type.Object(
  {
    invoiceNumber: Type.String({ minLength: 1, maxLength: 64 }),
    orderNumber: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'The order it bills.' }),
    ),
    issuedAt: DateTime,
    dueOn: IsoDate,
    amountCents: Cents,
    currency: Type.Optional(Currency),
    paidAt: Type.Optional(nullable(DateTime)),
  },
  { additionalProperties: false },
)
export type NewInvoice = Static<typeof NewInvoice>

export const Invoice = Type.Object({
  id: Type.String({ format: 'uuid' }),
  invoiceNumber: Type.String(),
  orderId: nullable(Type.String()),
  issuedAt: DateTime,
  dueOn: Type.String(),
  amountCents: Type.Integer(),
  currency: Type.String(),
  paidAt: nullable(DateTime),
  status: Type.Union([Type.Literal('paid'), Type.Literal('open'), Type.Literal('overdue')]),
})
export type Invoice = Static<typeof Invoice>

export const Payment = Type.Object(
  { paidAt: Type.Optional(DateTime) },
  { additionalProperties: false, description: 'When it was paid; default now.' },
)

export const SubjectRecordParams = Type.Object(
  { id: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
)
export const InvoiceParams = Type.Object(
  { id: Type.String({ format: 'uuid' }), invoiceId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
)
export const PurposeQuery = Type.Object(
  {
    purpose: Type.Optional(
      Type.String({
        pattern: '^[a-z][a-z0-9_]{1,62}$',
        description: 'The purpose of this use; default per record kind.',
      }),
    ),
  },
  { additionalProperties: false },
)
