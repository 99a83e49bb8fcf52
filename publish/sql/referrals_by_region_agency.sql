-- Referrals of the period's complaints, placed in the complainant's village.
CREATE OR REPLACE TABLE fact_referrals_by_region_agency AS
WITH agencies AS (SELECT unnest(['dinsos', 'dukcapil', 'dinkes', 'disdik', 'bpjs', 'pemdes', 'baznas']) AS agency),
refs AS (SELECT r.*, c.desa_code FROM stg_referrals r JOIN complaint_facts c USING (complaint_id))
SELECT getvariable('period') AS period, v.code AS desa_code, a.agency,
       count(r.record_id) AS referrals, count(r.record_id) FILTER (WHERE r.outcome = 'completed') AS completed
FROM villages v CROSS JOIN agencies a
LEFT JOIN refs r ON r.desa_code = v.code AND r.agency = a.agency
GROUP BY ALL;
