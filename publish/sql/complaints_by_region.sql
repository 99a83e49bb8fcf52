-- Complaints received in the period. Working days count Monday to Friday (public holidays
-- are not yet taken into account).
CREATE OR REPLACE TABLE complaint_facts AS
WITH ref AS (
    SELECT complaint_id, count(*) AS referrals, count(*) FILTER (WHERE outcome = 'completed') AS completed
    FROM stg_referrals GROUP BY complaint_id
)
SELECT c.*, coalesce(ref.referrals, 0) AS referrals, coalesce(ref.completed, 0) AS referrals_completed,
       date_diff('day', c.received_date, c.resolved_date) AS days_to_resolve,
       CASE WHEN c.resolved_date IS NOT NULL THEN
           len(list_filter(generate_series(c.received_date::TIMESTAMP, c.resolved_date::TIMESTAMP - INTERVAL 1 DAY, INTERVAL 1 DAY),
                           lambda d: isodow(d) < 6)) END AS working_days
FROM stg_complaints c
LEFT JOIN ref ON ref.complaint_id = c.complaint_id
WHERE strftime(c.received_date, '%Y-%m') = getvariable('period')
  AND c.desa_code IN (SELECT code FROM villages);

CREATE OR REPLACE TABLE fact_complaints_by_region AS
SELECT getvariable('period') AS period, v.code AS desa_code,
       count(c.record_id) AS complaints,
       count(c.record_id) FILTER (WHERE c.status = 'resolved') AS resolved,
       count(c.record_id) FILTER (WHERE c.status = 'resolved' AND c.working_days <= c.service_standard_days) AS resolved_within_standard,
       count(c.record_id) FILTER (WHERE c.status = 'resolved' AND c.resolved_level = 'desa') AS resolved_at_desa,
       coalesce(sum(c.referrals), 0) AS referrals,
       coalesce(sum(c.referrals_completed), 0) AS referrals_completed
FROM villages v LEFT JOIN complaint_facts c ON c.desa_code = v.code
GROUP BY ALL;

-- One row per resolved complaint: the median is taken over these at every level.
CREATE OR REPLACE TABLE unit_complaints_by_region AS
SELECT getvariable('period') AS period, desa_code, days_to_resolve AS median_days_to_resolve
FROM complaint_facts WHERE status = 'resolved';
