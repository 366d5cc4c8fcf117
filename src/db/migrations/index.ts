import type { Migration } from 'kysely';
import * as m0001 from './0001_catalogue.ts';
import * as m0002 from './0002_logbook.ts';
import * as m0003 from './0003_search.ts';
import * as m0004 from './0004_ingest.ts';
import * as m0005 from './0005_tape.ts';
import * as m0006 from './0006_open_data.ts';
import * as m0008 from './0008_search_indexes.ts';
import * as m0009 from './0009_logbook_counts.ts';
import * as m0010 from './0010_search_postings.ts';
import * as m0011 from './0011_datafile_on_tape.ts';
import * as m0012 from './0012_technique_family_counts.ts';
import * as m0013 from './0013_search_page_indexes.ts';
import * as m0014 from './0014_family_count_locking.ts';
import * as m0015 from './0015_parameter_pid_order_index.ts';
import * as m0016 from './0016_best_datasets_two_words.ts';
import * as m0017 from './0017_postings_key_covers_weight.ts';
import * as m0018 from './0018_best_datasets_plan_cache.ts';
import * as m0019 from './0019_session_containers.ts';
import * as m0020 from './0020_postings_term_profile.ts';
import * as m0021 from './0021_best_datasets_term_profile.ts';

/** Every migration, in order. Listed here (not read from disk) so bundling and tsx agree. */
export const migrations: Record<string, Migration> = {
  '0001_catalogue': m0001,
  '0002_logbook': m0002,
  '0003_search': m0003,
  '0004_ingest': m0004,
  '0005_tape': m0005,
  '0006_open_data': m0006,
  '0008_search_indexes': m0008,
  '0009_logbook_counts': m0009,
  '0010_search_postings': m0010,
  '0011_datafile_on_tape': m0011,
  '0012_technique_family_counts': m0012,
  '0013_search_page_indexes': m0013,
  '0014_family_count_locking': m0014,
  '0015_parameter_pid_order_index': m0015,
  '0016_best_datasets_two_words': m0016,
  '0017_postings_key_covers_weight': m0017,
  '0018_best_datasets_plan_cache': m0018,
  '0019_session_containers': m0019,
  '0020_postings_term_profile': m0020,
  '0021_best_datasets_term_profile': m0021,
};
