CREATE OR REPLACE TABLE ind_recipients_by_desa_scheme AS
SELECT getvariable('period') AS period, v.code AS desa_code, v.kecamatan_code, s.scheme_code,
       count(DISTINCT r.person_key) AS recipients, coalesce(sum(r.amount_rp), 0) AS amount_rp
FROM villages v
CROSS JOIN stg_schemes s
LEFT JOIN recipient_people r ON r.desa_code = v.code AND r.scheme_code = s.scheme_code
GROUP BY ALL;
