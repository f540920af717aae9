-- Campaign channels (issue #17; docs/adr/0020-campaigns-send-ledger.md; src/modules/campaigns/channels):
-- the agents' calls of a phone campaign, and the print lists handed to a letter shop.

-- A call an agent made from a phone campaign's call list, with its outcome. Each call is also a use
-- of the § 7a UWG consent (a touchpoint `marketing_call` under the channel's purpose, written in the
-- same transaction), which moves the consent proof's keep-until. Personal data: a record kind,
-- deleted on erasure (the touchpoint is what the § 7a hold keeps). The agent's note is sealed under
-- the subject's data key.
create table campaign_call (
  subject_id uuid not null references subject (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  campaign_id uuid not null references campaign (id) on delete cascade,
  outcome text not null
    check (outcome in ('reached', 'no-answer', 'wrong-number', 'callback', 'objected', 'withdrawn')),
  -- the agent's note (free text), sealed under the subject's key; null: none
  note_sealed bytea,
  agent_type text not null,
  agent_id text not null,
  occurred_at timestamptz not null,
  primary key (subject_id, id)
);
create index campaign_call_campaign_idx on campaign_call (campaign_id, occurred_at);

-- A print list handed to the campaign's letter shop: the disclosure it was recorded as (its
-- subjects in disclosure_subject), how many rows it had, and who was left out because the purpose
-- no longer allowed them (an objection since the send). Names no subject.
create table campaign_print_list (
  id uuid primary key,
  campaign_id uuid not null references campaign (id) on delete cascade,
  disclosure_id uuid not null references disclosure (id),
  format text not null check (format in ('csv', 'xlsx')),
  row_count integer not null,
  left_out integer not null,
  -- left out per denial rule: {"objected": 2}
  left_out_by jsonb not null default '{}',
  actor_type text not null,
  actor_id text not null,
  created_at timestamptz not null
);
create index campaign_print_list_campaign_idx on campaign_print_list (campaign_id, created_at);
