-- Public reference data, published as received (no personal data in them).
CREATE OR REPLACE TABLE ind_regions AS SELECT code, level, parent_code, name FROM stg_regions;
CREATE OR REPLACE TABLE ind_schemes AS SELECT * EXCLUDE (_row, record_id, _flags) FROM stg_schemes;
CREATE OR REPLACE TABLE ind_commitments AS SELECT * EXCLUDE (_row, record_id, _flags) FROM stg_commitments;
CREATE OR REPLACE TABLE ind_milestones AS SELECT * EXCLUDE (_row, record_id, _flags) FROM stg_milestones;
