-- Complaints carry only the complainant's NIK: linked by NIK, otherwise a key of their own.
INSERT INTO linked
SELECT 'complaints', c.record_id, coalesce(p.person_key, 'C' || c.record_id),
       CASE WHEN p.person_key IS NULL THEN 'none' ELSE 'exact' END, NULL
FROM stg_complaints c
LEFT JOIN (SELECT nik, min(person_key) AS person_key FROM population_records GROUP BY nik) p
       ON p.nik = c.complainant_nik;
