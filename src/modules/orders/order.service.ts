import { invalidField, ProblemError } from '../../platform/problem.ts'
import type { RequestContext } from '../../privacy/gate/request-context.ts'
import type { InvoiceRow, OrderLineRow, OrderRow, RecordGate } from '../../privacy/records/record-gate.ts'
import type { Invoice, NewInvoice, NewOrder, NewProduct, Order, Product } from './order.schemas.ts'
import type { ProductRepository, ProductRow } from './product.repository.ts'

/** Orders are processed to fulfil the contract (Art. 6(1)(b)). */
export const ORDER_PURPOSE = 'order_processing'
/**
 * Invoices are issued and paid to fulfil the contract (Art. 6(1)(b), order processing), and kept
 * because the law says so (Art. 6(1)(c); § 147 AO, § 257 HGB): reading them under this purpose
 * reaches only subjects with invoices, also restricted ones (Art. 18(2)).
 */
export const INVOICE_PURPOSE = 'invoicing_retention'

const toProduct = (r: ProductRow): Product => ({
  id: r.id,
  sku: r.sku,
  name: r.name,
  category: r.category,
  unitPriceCents: r.unit_price_cents,
  currency: r.currency,
})

export const toOrder = (o: OrderRow & { lines: OrderLineRow[] }): Order => ({
  id: o.id,
  orderNumber: o.order_number,
  orderedAt: o.ordered_at.toISOString(),
  status: o.status,
  currency: o.currency,
  totalCents: o.total_cents,
  itemCount: o.item_count,
  paymentMethod: o.payment_method,
  source: o.source,
  lines: o.lines.map((l) => ({
    lineNo: l.line_no,
    productId: l.product_id,
    description: l.description,
    quantity: l.quantity,
    unitPriceCents: l.unit_price_cents,
  })),
})

export function toInvoice(r: InvoiceRow, today: string): Invoice {
  return {
    id: r.id,
    invoiceNumber: r.invoice_number,
    orderId: r.order_id,
    issuedAt: r.issued_at.toISOString(),
    dueOn: r.due_on,
    amountCents: r.amount_cents,
    currency: r.currency,
    paidAt: r.paid_at?.toISOString() ?? null,
    status: r.paid_at ? 'paid' : r.due_on < today ? 'overdue' : 'open',
  }
}

/** Products, and a customer's orders and invoices (through the record gate). */
export class OrderService {
  readonly #records: RecordGate
  readonly #products: ProductRepository
  readonly #clock: () => Date
  constructor(records: RecordGate, products: ProductRepository, clock: () => Date = () => new Date()) {
    this.#records = records
    this.#products = products
    this.#clock = clock
  }

  async saveProduct(input: NewProduct): Promise<Product> {
    const now = this.#clock()
    return toProduct(
      await this.#products.upsert({
        sku: input.sku,
        name: input.name,
        category: input.category ?? null,
        unit_price_cents: input.unitPriceCents ?? null,
        currency: input.currency ?? 'EUR',
        created_at: now,
        updated_at: now,
      }),
    )
  }

  async products(limit: number, after?: string): Promise<{ items: Product[]; nextCursor: string | null }> {
    const rows = await this.#products.list(limit + 1, after)
    const page = rows.slice(0, limit)
    return { items: page.map(toProduct), nextCursor: rows.length > limit ? (page.at(-1)?.sku ?? null) : null }
  }

  async addOrder(ctx: RequestContext, subjectId: string, input: NewOrder, source = 'api'): Promise<Order> {
    const skus = [...new Set(input.lines.flatMap((l) => (l.sku ? [l.sku] : [])))]
    const products = new Map((await this.#products.bySkus(skus)).map((p) => [p.sku, p]))
    input.lines.forEach((line, i) => {
      if (line.sku !== undefined && !products.has(line.sku))
        throw invalidField('body', `lines[${i}].sku`, 'is not a product of the catalogue')
      if (line.sku === undefined && line.description === undefined)
        throw invalidField('body', `lines[${i}]`, 'needs a sku or a description')
    })
    const id = await this.#records.addOrder(
      { actor: ctx.actor, purpose: ORDER_PURPOSE, subjectId, requestId: ctx.requestId },
      {
        orderNumber: input.orderNumber,
        orderedAt: new Date(input.orderedAt),
        status: input.status ?? 'open',
        currency: input.currency ?? 'EUR',
        totalCents: input.lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0),
        paymentMethod: input.paymentMethod ?? null,
        source,
        lines: input.lines.map((l) => ({
          productId: l.sku ? (products.get(l.sku)?.id ?? null) : null,
          description: l.description ?? null,
          quantity: l.quantity,
          unitPriceCents: l.unitPriceCents,
        })),
      },
    )
    const orders = await this.orders(ctx, subjectId)
    const order = orders.find((o) => o.id === id)
    if (!order) throw new Error('the order just stored is not readable')
    return order
  }

  async orders(ctx: RequestContext, subjectId: string, purpose = ORDER_PURPOSE): Promise<Order[]> {
    const result = await this.#records.read({
      actor: ctx.actor,
      purpose,
      subjectId,
      fields: ['orders'],
      limit: 200,
      requestId: ctx.requestId,
    })
    if (!result.records.orders) throw forbiddenKind('orders')
    return result.records.orders.map(toOrder)
  }

  async addInvoice(ctx: RequestContext, subjectId: string, input: NewInvoice): Promise<Invoice> {
    if (input.paidAt && Date.parse(input.paidAt) < Date.parse(input.issuedAt))
      throw invalidField('body', 'paidAt', 'is before the invoice was issued')
    const id = await this.#records.addInvoice(
      { actor: ctx.actor, purpose: ORDER_PURPOSE, subjectId, requestId: ctx.requestId },
      {
        invoiceNumber: input.invoiceNumber,
        orderNumber: input.orderNumber,
        issuedAt: new Date(input.issuedAt),
        dueOn: input.dueOn,
        amountCents: input.amountCents,
        currency: input.currency ?? 'EUR',
        paidAt: input.paidAt ? new Date(input.paidAt) : null,
      },
    )
    const invoice = (await this.invoices(ctx, subjectId)).find((i) => i.id === id)
    if (!invoice) throw new Error('the invoice just stored is not readable')
    return invoice
  }

  async invoices(ctx: RequestContext, subjectId: string, purpose = ORDER_PURPOSE): Promise<Invoice[]> {
    const result = await this.#records.read({
      actor: ctx.actor,
      purpose,
      subjectId,
      fields: ['invoices'],
      limit: 200,
      requestId: ctx.requestId,
    })
    if (!result.records.invoices) throw forbiddenKind('invoices')
    const today = this.#clock().toISOString().slice(0, 10)
    return result.records.invoices.map((r) => toInvoice(r, today))
  }

  async markPaid(
    ctx: RequestContext,
    subjectId: string,
    invoiceId: string,
    paidAt?: string,
    purpose = ORDER_PURPOSE,
  ): Promise<Invoice> {
    await this.#records.markInvoicePaid(
      { actor: ctx.actor, purpose, subjectId, requestId: ctx.requestId },
      invoiceId,
      paidAt ? new Date(paidAt) : this.#clock(),
    )
    const invoice = (await this.invoices(ctx, subjectId, purpose)).find((i) => i.id === invoiceId)
    if (!invoice) throw new Error('the invoice just paid is not readable')
    return invoice
  }
}

const forbiddenKind = (kind: string) => new ProblemError('forbidden', `your role may not see ${kind}`)
