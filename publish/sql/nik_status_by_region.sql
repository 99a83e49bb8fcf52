CREATE OR REPLACE TABLE fact_nik_status_by_region AS
SELECT getvariable('period') AS period, v.code AS desa_code,
       count(s.record_id) AS records,
       count(s.record_id) FILTER (WHERE s.nik_status = 'matched_active') AS matched_active,
       count(s.record_id) FILTER (WHERE s.nik_status = 'mismatch') AS mismatch,
       count(s.record_id) FILTER (WHERE s.nik_status = 'inactive') AS inactive,
       count(s.record_id) FILTER (WHERE s.nik_status = 'not_found') AS not_found,
       count(s.record_id) FILTER (WHERE s.nik_status = 'invalid') AS invalid,
       count(s.record_id) FILTER (WHERE s.nik_status = 'missing') AS missing
FROM villages v
LEFT JOIN nik_status s ON s.desa_code = v.code
GROUP BY ALL;
