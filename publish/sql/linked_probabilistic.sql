-- Linkage, step 2: the best register match of each remaining record above the threshold.
INSERT INTO linked
WITH pairs AS (
    SELECT CASE WHEN starts_with(uid_l, 'population/') THEN uid_r ELSE uid_l END AS rec,
           CASE WHEN starts_with(uid_l, 'population/') THEN uid_l ELSE uid_r END AS pop,
           match_probability
    FROM splink_pairs
    WHERE starts_with(uid_l, 'population/') <> starts_with(uid_r, 'population/')
)
SELECT split_part(rec, '/', 1), substr(rec, strpos(rec, '/') + 1),
       'P' || substr(pop, strpos(pop, '/') + 1), 'probabilistic', match_probability
FROM pairs
QUALIFY row_number() OVER (PARTITION BY rec ORDER BY match_probability DESC, pop) = 1;

CREATE OR REPLACE TABLE link_unknown AS
SELECT r.* FROM link_rest r ANTI JOIN linked l USING (resource, record_id);
