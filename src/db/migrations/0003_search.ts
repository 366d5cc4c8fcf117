import { sql, type Kysely } from 'kysely';

// Frozen: never edit after it lands; add a new migration instead.
// PaNOSC search: a full-text document per dataset kept current by triggers (whoever writes datasets,
// parameters, proposals or samples), GIN indexes for text and techniques. Built-in FTS only: pg_trgm
// is a contrib extension that PostgreSQL 15 installations may lack.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE dataset ADD COLUMN search_vector tsvector;

    -- What a free-text query is matched and ranked against. Weights: A the dataset's own title and
    -- name, B its proposal title and technique names, C proposal summary, instrument, sample, D the
    -- names and text values of its parameters.
    CREATE FUNCTION fairbeam_dataset_search_vector(d dataset) RETURNS tsvector LANGUAGE sql STABLE AS $$
      SELECT setweight(to_tsvector('english', coalesce(d.title, '') || ' ' || d.name), 'A')
        || setweight(to_tsvector('english', coalesce((
             SELECT p.title FROM session s JOIN proposal p ON p.id = s.proposal_id WHERE s.id = d.session_id), '')
           || ' ' || coalesce((SELECT string_agg(t.name, ' ') FROM technique t WHERE t.id = ANY (d.techniques)), '')), 'B')
        || setweight(to_tsvector('english', coalesce((
             SELECT p.summary || ' ' || i.name FROM session s JOIN proposal p ON p.id = s.proposal_id
             JOIN instrument i ON i.id = s.instrument_id WHERE s.id = d.session_id), '')
           || ' ' || coalesce((SELECT sm.name FROM sample sm WHERE sm.id = d.sample_id), '')), 'C')
        || setweight(to_tsvector('english', coalesce((
             SELECT string_agg(DISTINCT x.name || ' ' || coalesce(x.value_text, ''), ' ')
             FROM parameter x WHERE x.dataset_pid = d.pid), '')), 'D')
    $$;

    CREATE FUNCTION fairbeam_dataset_search_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.search_vector := fairbeam_dataset_search_vector(NEW);
      RETURN NEW;
    END $$;
    -- Setting search_vector (to anything) recomputes it: the other triggers below use that.
    CREATE TRIGGER dataset_search_refresh BEFORE INSERT OR UPDATE OF title, name, session_id, sample_id, techniques, search_vector
      ON dataset FOR EACH ROW EXECUTE FUNCTION fairbeam_dataset_search_refresh();

    -- Statement-level with transition tables: a bulk insert of parameters refreshes each dataset once.
    CREATE FUNCTION fairbeam_parameter_search_touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE dataset SET search_vector = NULL WHERE pid IN (SELECT DISTINCT dataset_pid FROM changed_parameter);
      RETURN NULL;
    END $$;
    CREATE TRIGGER parameter_search_insert AFTER INSERT ON parameter REFERENCING NEW TABLE AS changed_parameter
      FOR EACH STATEMENT EXECUTE FUNCTION fairbeam_parameter_search_touch();
    CREATE TRIGGER parameter_search_update AFTER UPDATE ON parameter REFERENCING NEW TABLE AS changed_parameter
      FOR EACH STATEMENT EXECUTE FUNCTION fairbeam_parameter_search_touch();
    CREATE TRIGGER parameter_search_delete AFTER DELETE ON parameter REFERENCING OLD TABLE AS changed_parameter
      FOR EACH STATEMENT EXECUTE FUNCTION fairbeam_parameter_search_touch();

    CREATE FUNCTION fairbeam_proposal_search_touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE dataset SET search_vector = NULL
      WHERE session_id IN (SELECT s.id FROM session s WHERE s.proposal_id = NEW.id);
      RETURN NULL;
    END $$;
    CREATE TRIGGER proposal_search_touch AFTER UPDATE ON proposal FOR EACH ROW
      WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.summary IS DISTINCT FROM NEW.summary)
      EXECUTE FUNCTION fairbeam_proposal_search_touch();

    CREATE FUNCTION fairbeam_sample_search_touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE dataset SET search_vector = NULL WHERE sample_id = NEW.id;
      RETURN NULL;
    END $$;
    CREATE TRIGGER sample_search_touch AFTER UPDATE ON sample FOR EACH ROW
      WHEN (OLD.name IS DISTINCT FROM NEW.name)
      EXECUTE FUNCTION fairbeam_sample_search_touch();

    UPDATE dataset SET search_vector = NULL;
    CREATE INDEX dataset_search_idx ON dataset USING gin (search_vector);
    CREATE INDEX dataset_techniques_idx ON dataset USING gin (techniques);
    CREATE INDEX proposal_search_idx ON proposal USING gin (to_tsvector('english', title || ' ' || summary));
    CREATE INDEX dataset_sample_idx ON dataset (sample_id);
  `.execute(db);
}
