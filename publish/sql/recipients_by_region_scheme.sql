-- Inclusion-error proxy: a recipient of a decile-targeted scheme whose family is above the
-- target desil, or not in the welfare register at all.
CREATE OR REPLACE TABLE fact_recipients_by_region_scheme AS
SELECT getvariable('period') AS period, v.code AS desa_code, s.scheme_code,
       count(r.person_key) AS recipients,
       coalesce(sum(r.amount_rp), 0) AS amount_rp,
       coalesce(sum(r.listings - 1), 0) AS duplicate_listings,
       count(r.person_key) FILTER (WHERE r.target_desil_max IS NOT NULL
                                   AND (r.desil IS NULL OR r.desil > r.target_desil_max)) AS outside_target
FROM villages v
CROSS JOIN stg_schemes s
LEFT JOIN recipient_scheme_people r ON r.desa_code = v.code AND r.scheme_code = s.scheme_code
GROUP BY ALL;

-- Each recipient's amount: the largest two per cell feed the p%-rule of the protection stage.
CREATE OR REPLACE TABLE unit_recipients_by_region_scheme_amount_rp AS
SELECT getvariable('period') AS period, desa_code, scheme_code, amount_rp FROM recipient_scheme_people;
