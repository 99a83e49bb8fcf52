-- Helpers shared by validation, linkage and the indicators.

-- Names as lists and registers spell them: upper case, letters and spaces only,
-- old Dutch-era spellings folded (oe/u, dj/j, tj/c), so that variants compare closely.
CREATE OR REPLACE MACRO name_norm(n) AS
    nullif(trim(regexp_replace(
        replace(replace(replace(upper(regexp_replace(coalesce(n, ''), '[^A-Za-z ]', ' ', 'g')), 'OE', 'U'), 'DJ', 'J'), 'TJ', 'C'),
        ' +', ' ', 'g')), '');

-- Kemendagri province codes: the first two digits of every NIK and KK.
CREATE OR REPLACE MACRO is_province(pp) AS pp IN (
    '11','12','13','14','15','16','17','18','19','21','31','32','33','34','35','36','51','52','53',
    '61','62','63','64','65','71','72','73','74','75','76','81','82','91','92','93','94','95','96');

-- Filled from the region list once it is validated.
CREATE TABLE IF NOT EXISTS known_kecamatan (digits VARCHAR);

-- A number's region part exists: a real province, and when it claims the regency being built,
-- one of its kecamatan (other regencies' kecamatan are not in our region list).
CREATE OR REPLACE MACRO region_exists(n) AS
    is_province(substr(n, 1, 2))
    AND (substr(n, 1, 4) <> getvariable('regency_digits')
         OR substr(n, 1, 6) IN (SELECT digits FROM known_kecamatan));

-- Structure of a NIK: 'ok', or why it cannot be one. Day is +40 for women.
CREATE OR REPLACE MACRO nik_structure(n, sex) AS CASE
    WHEN n IS NULL THEN 'missing'
    WHEN regexp_matches(n, '[eE][+-]?[0-9]|[.,]') THEN 'excel'
    WHEN NOT regexp_full_match(n, '[0-9]{16}') THEN 'length'
    WHEN NOT region_exists(n) THEN 'region'
    WHEN substr(n, 13, 4) = '0000' THEN 'serial'
    WHEN try_strptime(lpad((substr(n, 7, 2)::INT % 40)::VARCHAR, 2, '0') || substr(n, 9, 4), '%d%m%y') IS NULL
         OR substr(n, 7, 2)::INT BETWEEN 32 AND 40 OR substr(n, 7, 2)::INT > 71 THEN 'date'
    WHEN sex IS NOT NULL AND (substr(n, 7, 2)::INT > 40) <> (sex = 'P') THEN 'sex'
    ELSE 'ok' END;

-- Structure of a family card number (KK): region, registration date DDMMYY, serial.
CREATE OR REPLACE MACRO kk_structure(n) AS CASE
    WHEN n IS NULL THEN 'missing'
    WHEN regexp_matches(n, '[eE][+-]?[0-9]|[.,]') THEN 'excel'
    WHEN NOT regexp_full_match(n, '[0-9]{16}') THEN 'length'
    WHEN NOT region_exists(n) THEN 'region'
    WHEN substr(n, 13, 4) = '0000' THEN 'serial'
    WHEN try_strptime(substr(n, 7, 6), '%d%m%y') IS NULL THEN 'date'
    ELSE 'ok' END;

-- Age in whole years on a date.
CREATE OR REPLACE MACRO age_at(birth, on_date) AS
    date_diff('year', birth, on_date) - (strftime(birth, '%m%d') > strftime(on_date, '%m%d'))::INT;
