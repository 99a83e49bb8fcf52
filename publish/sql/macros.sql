-- Helpers shared by the linkage and indicator SQL.

-- Names as lists and registers spell them: upper case, letters and spaces only,
-- old Dutch-era spellings folded (oe/u, dj/j, tj/c), so that variants compare closely.
CREATE OR REPLACE MACRO name_norm(n) AS
    nullif(trim(regexp_replace(
        replace(replace(replace(upper(regexp_replace(coalesce(n, ''), '[^A-Za-z ]', ' ', 'g')), 'OE', 'U'), 'DJ', 'J'), 'TJ', 'C'),
        ' +', ' ', 'g')), '');

-- Structure of a NIK: 'ok', or why it cannot be a NIK. Day is +40 for women.
CREATE OR REPLACE MACRO nik_structure(n, sex) AS CASE
    WHEN n IS NULL THEN 'missing'
    WHEN regexp_matches(n, '[eE][+-]?[0-9]|[.,]') THEN 'excel'
    WHEN NOT regexp_full_match(n, '[0-9]{16}') THEN 'length'
    WHEN substr(n, 1, 2)::INT < 11 OR substr(n, 1, 2)::INT > 94 THEN 'region'
    WHEN substr(n, 13, 4) = '0000' THEN 'serial'
    WHEN try_strptime(lpad((substr(n, 7, 2)::INT % 40)::VARCHAR, 2, '0') || substr(n, 9, 4), '%d%m%y') IS NULL
         OR substr(n, 7, 2)::INT BETWEEN 32 AND 40 OR substr(n, 7, 2)::INT > 71 THEN 'date'
    WHEN sex IS NOT NULL AND (substr(n, 7, 2)::INT > 40) <> (sex = 'P') THEN 'sex'
    ELSE 'ok' END;
