CREATE OR REPLACE TABLE fact_complaints_by_region_category AS
WITH cats AS (SELECT unnest(['not_registered', 'wrong_target', 'payment_not_received', 'nik_problem',
                             'data_update', 'service_request', 'other']) AS category)
SELECT getvariable('period') AS period, v.code AS desa_code, k.category,
       count(c.record_id) AS complaints, count(c.record_id) FILTER (WHERE c.status = 'resolved') AS resolved
FROM villages v CROSS JOIN cats k
LEFT JOIN complaint_facts c ON c.desa_code = v.code AND c.category = k.category
GROUP BY ALL;
