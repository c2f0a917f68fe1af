// Versioned workspace schema. Each migration runs once, in order, inside a transaction; the applied
// version is recorded in `schema_version`. Never edit a migration that has shipped: add a new one.

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'sources, conversations, messages, facets, embeddings, clusters, map, LLM cache, runs',
    sql: `
      CREATE SEQUENCE source_ids START 1;
      CREATE TABLE sources (
        source_id INTEGER PRIMARY KEY DEFAULT nextval('source_ids'),
        path VARCHAR NOT NULL,
        format VARCHAR NOT NULL,
        file_hash VARCHAR NOT NULL,
        size_bytes BIGINT NOT NULL,
        records_read BIGINT NOT NULL DEFAULT 0,
        conversations_loaded BIGINT NOT NULL DEFAULT 0,
        duplicates BIGINT NOT NULL DEFAULT 0,
        rejected BIGINT NOT NULL DEFAULT 0,
        empty BIGINT NOT NULL DEFAULT 0,
        no_user_turn BIGINT NOT NULL DEFAULT 0,
        status VARCHAR NOT NULL DEFAULT 'loading',
        ingested_at TIMESTAMP NOT NULL DEFAULT current_timestamp
      );

      -- One row per distinct conversation. user_hash is HMAC-SHA256(workspace salt, raw user key):
      -- the raw key is never stored. content_hash identifies exact duplicates.
      CREATE TABLE conversations (
        conversation_id VARCHAR NOT NULL, -- unique by construction: ingest skips ids already stored (an index made bulk loads ~3x slower)
        source_id INTEGER NOT NULL,
        external_id VARCHAR,
        user_hash VARCHAR,
        created_at TIMESTAMP,
        model VARCHAR,
        source_language VARCHAR,
        turns INTEGER NOT NULL,
        user_turns INTEGER NOT NULL,
        user_chars INTEGER NOT NULL,
        assistant_chars INTEGER NOT NULL,
        metadata JSON
      );

      CREATE TABLE messages (
        conversation_id VARCHAR NOT NULL,
        position INTEGER NOT NULL,
        role VARCHAR NOT NULL,
        content VARCHAR NOT NULL
      );

      -- Facet values per conversation; run_key names the settings that produced model facets.
      CREATE TABLE facets (
        conversation_id VARCHAR NOT NULL,
        facet VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        value_text VARCHAR,
        value_number DOUBLE,
        run_key VARCHAR NOT NULL DEFAULT ''
      );

      -- Embedding cache keyed by (model, hash of the embedded text). vector is raw little-endian float32.
      CREATE TABLE embeddings (
        model VARCHAR NOT NULL,
        text_hash VARCHAR NOT NULL,
        dims INTEGER NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (model, text_hash)
      );

      -- Clusters of one analysis run, at every level (0 = base). Only the privacy-filtered view is shown.
      CREATE TABLE clusters (
        run_id VARCHAR NOT NULL,
        level INTEGER NOT NULL,
        cluster_id VARCHAR NOT NULL,
        parent_id VARCHAR,
        name VARCHAR,
        description VARCHAR,
        terms JSON,
        size INTEGER NOT NULL,
        distinct_users INTEGER NOT NULL,
        visible BOOLEAN NOT NULL DEFAULT true,
        x DOUBLE,
        y DOUBLE,
        PRIMARY KEY (run_id, cluster_id)
      );

      -- The privacy thresholds applied to a run's clusters and what they hid per level (written by
      -- applyPrivacyThresholds, read by the report).
      CREATE TABLE privacy_filters (
        run_id VARCHAR PRIMARY KEY,
        min_users INTEGER NOT NULL,
        min_conversations INTEGER NOT NULL,
        summary JSON NOT NULL,
        applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp
      );

      CREATE TABLE cluster_members (
        run_id VARCHAR NOT NULL,
        conversation_id VARCHAR NOT NULL,
        cluster_id VARCHAR NOT NULL
      );

      CREATE TABLE map_points (
        run_id VARCHAR NOT NULL,
        conversation_id VARCHAR NOT NULL,
        x DOUBLE NOT NULL,
        y DOUBLE NOT NULL
      );

      -- Every LLM call, keyed by a hash of (provider, model, prompt, parameters): never paid for twice.
      CREATE TABLE llm_cache (
        cache_key VARCHAR PRIMARY KEY,
        provider VARCHAR NOT NULL,
        model VARCHAR NOT NULL,
        stage VARCHAR,
        response JSON NOT NULL,
        input_tokens INTEGER,
        output_tokens INTEGER,
        created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
      );

      -- One row per stage execution: the settings that produced it and what it did.
      CREATE TABLE runs (
        run_id VARCHAR NOT NULL,
        stage VARCHAR NOT NULL,
        settings_hash VARCHAR NOT NULL,
        settings JSON NOT NULL,
        status VARCHAR NOT NULL,
        started_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
        finished_at TIMESTAMP,
        stats JSON
      );
    `,
  },
  {
    version: 2,
    description: 'LLM mode: failures, provider batches, privacy audit of cluster names',
    sql: `
      -- Work items an LLM stage gave up on (after retries), with the reason; a rerun retries them.
      CREATE TABLE llm_failures (
        run_key VARCHAR NOT NULL,
        stage VARCHAR NOT NULL,
        item_id VARCHAR NOT NULL,
        reason VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
        PRIMARY KEY (run_key, stage, item_id)
      );

      -- Provider batch jobs (Anthropic Message Batches, OpenAI Batch), so a restarted run polls the batch it
      -- already submitted instead of paying for a second one. cache_keys lists the llm_cache keys it answers.
      CREATE TABLE llm_batches (
        batch_id VARCHAR PRIMARY KEY,
        provider VARCHAR NOT NULL,
        stage VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        cache_keys JSON NOT NULL,
        submitted_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
        finished_at TIMESTAMP
      );

      -- The privacy auditor's rating (1-5) of each cluster's name and description, and whether it was
      -- removed for it; NULL when no auditor ran (keyword mode).
      ALTER TABLE clusters ADD COLUMN privacy_score INTEGER;
      ALTER TABLE clusters ADD COLUMN audit_removed BOOLEAN DEFAULT false;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
