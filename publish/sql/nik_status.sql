-- The NIK of every register member and recipient against the population register (padan SIAK).
CREATE OR REPLACE TABLE nik_status AS
WITH pop AS (
    SELECT * FROM population_records WHERE nik IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY nik ORDER BY status = 'alive' DESC, record_id) = 1
)
SELECT r.resource, r.record_id, r.desa_code,
       CASE WHEN r.nik_structure = 'missing' THEN 'missing'
            WHEN r.nik_structure <> 'ok' THEN 'invalid'
            WHEN p.nik IS NULL THEN 'not_found'
            WHEN p.status <> 'alive' THEN 'inactive'
            WHEN jaro_winkler_similarity(r.name_norm, p.name_norm) < getvariable('mismatch_name_similarity')
                 OR r.birth_date <> p.birth_date THEN 'mismatch'
            ELSE 'matched_active' END AS nik_status,
       p.person_key AS nik_person_key,
       jaro_winkler_similarity(r.name_norm, p.name_norm) AS name_similarity
FROM person_records r LEFT JOIN pop p ON p.nik = r.nik AND r.nik_structure = 'ok';
