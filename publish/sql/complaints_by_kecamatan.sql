-- Complaints received in the period. Working days count Monday to Friday (public holidays
-- are not yet taken into account).
CREATE OR REPLACE TABLE ind_complaints_by_kecamatan AS
WITH c AS (
    SELECT *, CASE WHEN resolved_date IS NOT NULL THEN
                  len(list_filter(generate_series(received_date::TIMESTAMP, resolved_date::TIMESTAMP - INTERVAL 1 DAY, INTERVAL 1 DAY),
                                  lambda d: isodow(d) < 6)) END AS working_days
    FROM stg_complaints
    WHERE strftime(received_date, '%Y-%m') = getvariable('period')
), ref AS (
    SELECT complaint_id, count(*) AS n, count(*) FILTER (WHERE outcome = 'completed') AS completed
    FROM stg_referrals GROUP BY complaint_id
)
SELECT getvariable('period') AS period, k.code AS kecamatan_code,
       count(c.record_id) AS complaints,
       count(c.record_id) FILTER (WHERE c.status = 'resolved') AS resolved,
       count(c.record_id) FILTER (WHERE c.status = 'resolved' AND c.working_days <= c.service_standard_days) AS resolved_within_standard,
       count(c.record_id) FILTER (WHERE c.status = 'resolved' AND c.resolved_level = 'desa') AS resolved_at_desa,
       coalesce(sum(ref.n), 0) AS referrals,
       coalesce(sum(ref.completed), 0) AS referrals_completed
FROM kecamatan k
LEFT JOIN c ON substr(c.desa_code, 1, 8) = k.code
LEFT JOIN ref ON ref.complaint_id = c.complaint_id
GROUP BY ALL;
