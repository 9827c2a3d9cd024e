import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PlatError } from '../core/errors.js';

/** `plat init <dir>`: a small project that builds at once, to start from. */
export function initProject(dir: string, name: string): string[] {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new PlatError('INIT_TARGET_EXISTS', `${dir} exists and is not empty`, 'choose a new folder name');
  }
  const files: Record<string, string> = {
    'plat_project.yml': `name: ${name}
version: "0.1"
threads: 4
models:
  paths:
    staging: { materialized: view, schema: staging }
    marts: { materialized: table, schema: marts }
`,
    'sources.yml': `sources:
  - name: shop
    description: Orders from the shop. Generated here; swap the generator for kafka or file when real data is ready.
    tables:
      - name: orders
        description: One row per order.
        generator:
          rows: 1000
          seed: 7
          fields:
            order_id: { sequence: { start: 1 } }
            customer_id: { int: { min: 1, max: 200 } }
            status: { choice: { placed: 0.8, cancelled: 0.2 } }
            amount: { float: { min: 5, max: 250, decimals: 2 } }
            ordered_at: { timestamp: { start: "2026-01-01T00:00:00Z", end: "2026-01-08T00:00:00Z" } }
        columns:
          - { name: order_id, type: BIGINT, description: Order number. }
          - { name: customer_id, type: INTEGER, description: Who ordered. }
          - { name: status, type: VARCHAR, description: placed or cancelled. }
          - { name: amount, type: DOUBLE, description: Order total. }
          - { name: ordered_at, type: VARCHAR, description: ISO-8601 time of the order. }
`,
    'models/staging/stg_orders.sql': `-- Orders, typed.
select
    order_id,
    customer_id,
    status,
    amount,
    cast(ordered_at as timestamptz) as ordered_at
from {{source "shop" "orders"}}
`,
    'models/staging/staging.yml': `models:
  - name: stg_orders
    description: Orders with parsed timestamps.
    columns:
      - { name: order_id, description: Order number., tests: [unique, not_null] }
      - { name: customer_id, description: Who ordered. }
      - { name: status, description: placed or cancelled., tests: [{ accepted_values: { values: [placed, cancelled] } }] }
      - { name: amount, description: Order total. }
      - { name: ordered_at, description: When the order was placed. }
`,
    'models/marts/daily_revenue.sql': `-- Revenue of orders whose status counts as revenue (seeds/order_statuses.csv), per day.
select
    date_trunc('day', ordered_at) as day,
    count(*) as orders,
    round(sum(amount), 2) as revenue
from {{ref "stg_orders"}}
where status in (select status from {{ref "order_statuses"}} where counts_as_revenue)
group by 1
order by 1
`,
    'seeds/order_statuses.csv': `status,label,counts_as_revenue
placed,Placed,true
cancelled,Cancelled,false
`,
    'seeds/seeds.yml': `seeds:
  - name: order_statuses
    description: What each order status means. Loaded by plat seed (and plat build); edit the CSV and it reloads.
    config: { column_types: { counts_as_revenue: BOOLEAN } }
`,
    'snapshots/orders_history.sql': `-- Every status an order has had: a new version whenever its status or amount changes.
-- Columns plat adds: plat_scd_id, plat_updated_at, plat_valid_from, plat_valid_to (null while current).
{{config unique_key="order_id" strategy="check" check_cols="status,amount" invalidate_hard_deletes=true}}
select order_id, customer_id, status, amount from {{ref "stg_orders"}}
`,
    'models/marts/marts.yml': `models:
  - name: daily_revenue
    description: Revenue of placed orders per day.
    columns:
      - { name: day, description: The day., tests: [unique, not_null] }
      - { name: orders, description: Placed orders that day. }
      - { name: revenue, description: Sum of their amounts. }
`,
    '.gitignore': 'target/\n',
  };
  for (const [path, text] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
  }
  return Object.keys(files);
}
