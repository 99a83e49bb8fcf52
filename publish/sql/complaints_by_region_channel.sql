CREATE OR REPLACE TABLE fact_complaints_by_region_channel AS
WITH chans AS (SELECT unnest(['puskesos', 'slrt_office', 'lapor', 'whatsapp', 'forum', 'home_visit']) AS channel)
SELECT getvariable('period') AS period, v.code AS desa_code, k.channel,
       count(c.record_id) AS complaints, count(c.record_id) FILTER (WHERE c.status = 'resolved') AS resolved
FROM villages v CROSS JOIN chans k
LEFT JOIN complaint_facts c ON c.desa_code = v.code AND c.channel = k.channel
GROUP BY ALL;
