-- Money by budget source: to everyone listed, and to poor families (desil 1..max_desil).
CREATE OR REPLACE TABLE poor_paid_families AS
WITH poor_rows AS (
    -- A row reaches a poor family through the person's register family or the family card.
    SELECT r.resource, r.record_id, r.budget_source, r.amount_rp, p.family_id, p.desa_code, 1 AS via
    FROM recipient_people r JOIN poor_families p ON p.family_id = r.dtks_family_id
    UNION
    SELECT r.resource, r.record_id, r.budget_source, r.amount_rp, p.family_id, p.desa_code, 2 AS via
    FROM recipient_people r JOIN poor_families p ON p.kk = r.family_key
)
-- A row that reaches two families counts once, for the register family first: without the
-- ORDER BY, DuckDB kept whichever row came first, and a desa's sum changed between runs.
SELECT budget_source, family_id, min(desa_code) AS desa_code, sum(amount_rp) AS amount_rp
FROM (SELECT DISTINCT ON (resource, record_id) * FROM poor_rows ORDER BY resource, record_id, via, family_id)
GROUP BY budget_source, family_id;

CREATE OR REPLACE TABLE transfer_people AS
SELECT budget_source, person_key, min(desa_code) AS desa_code, sum(amount_rp) AS amount_rp
FROM recipient_scheme_people GROUP BY budget_source, person_key;

-- Rupiah are counted in the village each scheme counts its recipient in (recipients_by_region_scheme),
-- so that a source's amount is exactly the sum of its schemes' amounts in every village: a person
-- listed in two villages for two schemes of one source would otherwise move money between them.
CREATE OR REPLACE TABLE transfer_amounts AS
SELECT budget_source, person_key, desa_code, sum(amount_rp) AS amount_rp
FROM recipient_scheme_people GROUP BY budget_source, person_key, desa_code;

CREATE OR REPLACE TABLE fact_transfers_by_region_source AS
WITH per_person AS (SELECT * FROM transfer_people
), poor_paid AS (SELECT * FROM poor_paid_families
), sources AS (SELECT DISTINCT budget_source FROM stg_schemes),
people AS (
    SELECT desa_code, budget_source, count(*) AS recipients FROM per_person GROUP BY ALL
), money AS (
    SELECT desa_code, budget_source, sum(amount_rp) AS amount_rp FROM transfer_amounts GROUP BY ALL
), poor AS (
    SELECT desa_code, budget_source, count(*) AS poor_families_reached, sum(amount_rp) AS amount_rp_poor
    FROM poor_paid GROUP BY ALL
)
SELECT getvariable('period') AS period, v.code AS desa_code, s.budget_source,
       coalesce(pe.recipients, 0) AS recipients, coalesce(mo.amount_rp, 0) AS amount_rp,
       coalesce(po.poor_families_reached, 0) AS poor_families_reached,
       coalesce(po.amount_rp_poor, 0) AS amount_rp_poor
FROM villages v
CROSS JOIN sources s
LEFT JOIN people pe ON pe.desa_code = v.code AND pe.budget_source = s.budget_source
LEFT JOIN money mo ON mo.desa_code = v.code AND mo.budget_source = s.budget_source
LEFT JOIN poor po ON po.desa_code = v.code AND po.budget_source = s.budget_source;

-- Contributions to each sum (per person, per poor family) for the p%-rule.
CREATE OR REPLACE TABLE unit_transfers_by_region_source_amount_rp AS
SELECT getvariable('period') AS period, desa_code, budget_source, amount_rp FROM transfer_amounts;

CREATE OR REPLACE TABLE unit_transfers_by_region_source_amount_rp_poor AS
SELECT getvariable('period') AS period, desa_code, budget_source, amount_rp AS amount_rp_poor FROM poor_paid_families;
