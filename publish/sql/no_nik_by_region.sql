-- People recorded without an NIK; those the linkage found in the population register have
-- an NIK there that the lists can take.
CREATE OR REPLACE TABLE fact_no_nik_by_region AS
WITH people AS (
    SELECT l.person_key, min(r.desa_code) AS desa_code
    FROM person_records r JOIN linked l USING (resource, record_id)
    WHERE r.nik_structure = 'missing' AND r.desa_code IN (SELECT code FROM villages)
    GROUP BY l.person_key
)
SELECT getvariable('period') AS period, v.code AS desa_code,
       count(p.person_key) AS without_nik,
       count(p.person_key) FILTER (WHERE starts_with(p.person_key, 'P')) AS found_in_register
FROM villages v LEFT JOIN people p ON p.desa_code = v.code
GROUP BY ALL;
