-- agg_check_pg.sql — agg_check.sql for the PostgreSQL back end: its
-- aggregates (day_aggs, day_counts, month_aggs, month_counts, day_totals,
-- day_cats, month_totals: central/cstore_pg_aggkeep.c) against a recomputation from the
-- tickets and desk spans, in plain SQL. Prints one line per difference
-- (nothing when they are equal). The histograms are compared in their
-- stored form (hist.h), which for counts under 128 is, per bucket, two hex
-- digits of the bucket and two of the count.
--
--   psql -X -q -A -t -v ON_ERROR_STOP=1 -d central -f tests/central/agg_check_pg.sql
CREATE TEMP VIEW exp_counts AS
SELECT day, site, category, count(*) AS visits,
       count(*) FILTER (WHERE outcome = 'served') AS served,
       count(*) FILTER (WHERE outcome = 'no_show') AS no_show,
       count(*) FILTER (WHERE outcome = 'expired') AS expired,
       count(*) FILTER (WHERE outcome = 'cancelled') AS cancelled,
       count(*) FILTER (WHERE outcome IS NULL) AS open,
       count(*) FILTER (WHERE outcome = 'served' AND served_outcome = 'solved') AS solved,
       count(*) FILTER (WHERE outcome = 'served' AND served_outcome = 'referred') AS referred,
       count(*) FILTER (WHERE outcome = 'served' AND served_outcome = 'follow_up') AS follow_up,
       count(*) FILTER (WHERE outcome = 'served' AND served_outcome IS NULL) AS outcome_nr,
       count(*) FILTER (WHERE outcome = 'served' AND first_visit = 1) AS first_yes,
       count(*) FILTER (WHERE outcome = 'served' AND first_visit = 0) AS first_no,
       count(*) FILTER (WHERE outcome = 'served' AND first_visit IS NULL) AS first_nr
FROM tickets GROUP BY day, site, category;

CREATE TEMP VIEW exp_also AS
SELECT t.day, t.site, j.v #>> '{}' AS category, count(*) AS also
FROM tickets t, json_array_elements(CASE WHEN json_typeof(t.topics::json) = 'array'
                                    THEN t.topics::json ELSE '[]'::json END)
                WITH ORDINALITY AS j(v, i)
WHERE t.outcome = 'served' AND t.topics IS NOT NULL AND json_typeof(j.v) = 'string'
  AND j.i <= 64 AND j.v #>> '{}' <> t.category
GROUP BY t.day, t.site, j.v #>> '{}';

CREATE TEMP VIEW exp_wait_b AS
SELECT day, site, category, least((called_ms - issued_ms + 30000) / 60000, 240) AS b
FROM tickets WHERE called_ms IS NOT NULL AND issued_ms >= 1767225600000
  AND called_ms >= issued_ms;
CREATE TEMP VIEW exp_service_b AS
SELECT day, site, category, least((finished_ms - last_called_ms + 30000) / 60000, 240) AS b
FROM tickets WHERE outcome = 'served' AND last_called_ms IS NOT NULL
  AND finished_ms >= last_called_ms;

CREATE TEMP VIEW exp_wait AS
SELECT day, site, category,
       string_agg(lpad(upper(to_hex(b)), 2, '0') || lpad(upper(to_hex(n)), 2, '0'), '' ORDER BY b) AS hex
FROM (SELECT day, site, category, b, count(*) AS n FROM exp_wait_b
      GROUP BY day, site, category, b) x
GROUP BY day, site, category;
CREATE TEMP VIEW exp_service AS
SELECT day, site, category,
       string_agg(lpad(upper(to_hex(b)), 2, '0') || lpad(upper(to_hex(n)), 2, '0'), '' ORDER BY b) AS hex
FROM (SELECT day, site, category, b, count(*) AS n FROM exp_service_b
      GROUP BY day, site, category, b) x
GROUP BY day, site, category;

CREATE TEMP VIEW exp_keyed AS
SELECT day, site, 'lang' AS kind, lang AS key, count(*) AS n FROM tickets GROUP BY day, site, lang
UNION ALL
SELECT day, site, 'referral', coalesce(referred_to, ''), count(*) FROM tickets
WHERE outcome = 'served' AND served_outcome = 'referred' GROUP BY day, site, coalesce(referred_to, '')
UNION ALL
SELECT day, site, 'staffed', '', sum((staffed_ms + 30000) / 60000) FROM desk_spans
WHERE closed_seq IS NOT NULL GROUP BY day, site
UNION ALL
SELECT day, site, 'spans', '', count(*) FROM desk_spans WHERE closed_seq IS NOT NULL
GROUP BY day, site;

SELECT 'day_aggs has', * FROM (
  SELECT day, site, category, visits, served, no_show, expired, cancelled, open, solved, referred,
         follow_up, outcome_nr, first_yes, first_no, first_nr FROM day_aggs WHERE visits > 0
  EXCEPT SELECT * FROM exp_counts) x;
SELECT 'tickets say', * FROM (
  SELECT * FROM exp_counts
  EXCEPT SELECT day, site, category, visits, served, no_show, expired, cancelled, open, solved,
         referred, follow_up, outcome_nr, first_yes, first_no, first_nr FROM day_aggs) x;
SELECT 'also: day_aggs has', * FROM (
  SELECT day, site, category, also FROM day_aggs WHERE also > 0 EXCEPT SELECT * FROM exp_also) x;
SELECT 'also: tickets say', * FROM (
  SELECT * FROM exp_also EXCEPT SELECT day, site, category, also FROM day_aggs) x;
SELECT 'an empty row', day, site, category FROM day_aggs WHERE visits = 0 AND also = 0;
SELECT 'wait: day_aggs has', * FROM (
  SELECT day, site, category, upper(encode(wait, 'hex')) FROM day_aggs WHERE length(wait) > 0
  EXCEPT SELECT * FROM exp_wait) x;
SELECT 'wait: tickets say', * FROM (
  SELECT * FROM exp_wait EXCEPT SELECT day, site, category, upper(encode(wait, 'hex')) FROM day_aggs) x;
SELECT 'service: day_aggs has', * FROM (
  SELECT day, site, category, upper(encode(service, 'hex')) FROM day_aggs WHERE length(service) > 0
  EXCEPT SELECT * FROM exp_service) x;
SELECT 'service: tickets say', * FROM (
  SELECT * FROM exp_service
  EXCEPT SELECT day, site, category, upper(encode(service, 'hex')) FROM day_aggs) x;
SELECT 'day_counts has', * FROM (SELECT * FROM day_counts EXCEPT SELECT * FROM exp_keyed) x;
SELECT 'desk spans say', * FROM (SELECT * FROM exp_keyed EXCEPT SELECT * FROM day_counts) x;

-- Whole months (month_aggs, month_counts): the same, per day BETWEEN
-- 'YYYY-MM-01' AND 'YYYY-MM-31'.
CREATE TEMP VIEW exp_month_counts AS
SELECT left(day, 7) AS month, site, category, sum(visits) AS visits, sum(served) AS served,
       sum(no_show) AS no_show, sum(expired) AS expired, sum(cancelled) AS cancelled,
       sum(open) AS open, sum(solved) AS solved, sum(referred) AS referred,
       sum(follow_up) AS follow_up, sum(outcome_nr) AS outcome_nr, sum(first_yes) AS first_yes,
       sum(first_no) AS first_no, sum(first_nr) AS first_nr
FROM exp_counts WHERE day BETWEEN left(day, 7) || '-01' AND left(day, 7) || '-31'
GROUP BY 1, site, category;
CREATE TEMP VIEW exp_month_also AS
SELECT left(day, 7) AS month, site, category, sum(also) AS also FROM exp_also
WHERE day BETWEEN left(day, 7) || '-01' AND left(day, 7) || '-31'
GROUP BY 1, site, category;
CREATE TEMP VIEW exp_month_wait AS
SELECT month, site, category,
       string_agg(lpad(upper(to_hex(b)), 2, '0') || lpad(upper(to_hex(n)), 2, '0'), '' ORDER BY b) AS hex
FROM (SELECT left(day, 7) AS month, site, category, b, count(*) AS n FROM exp_wait_b
      WHERE day BETWEEN left(day, 7) || '-01' AND left(day, 7) || '-31'
      GROUP BY 1, site, category, b) x
GROUP BY month, site, category;
CREATE TEMP VIEW exp_month_keyed AS
SELECT left(day, 7) AS month, site, kind, key, sum(n) AS n FROM exp_keyed
WHERE day BETWEEN left(day, 7) || '-01' AND left(day, 7) || '-31'
GROUP BY 1, site, kind, key;

SELECT 'month_aggs has', * FROM (
  SELECT month, site, category, visits, served, no_show, expired, cancelled, open, solved,
         referred, follow_up, outcome_nr, first_yes, first_no, first_nr FROM month_aggs
  WHERE visits > 0 EXCEPT SELECT * FROM exp_month_counts) x;
SELECT 'months: tickets say', * FROM (
  SELECT * FROM exp_month_counts
  EXCEPT SELECT month, site, category, visits, served, no_show, expired, cancelled, open, solved,
         referred, follow_up, outcome_nr, first_yes, first_no, first_nr FROM month_aggs) x;
SELECT 'month also differs', * FROM (
  SELECT month, site, category, also FROM month_aggs WHERE also > 0
  EXCEPT SELECT * FROM exp_month_also) x;
SELECT 'month wait differs', * FROM (
  SELECT month, site, category, upper(encode(wait, 'hex')) FROM month_aggs WHERE length(wait) > 0
  EXCEPT SELECT * FROM exp_month_wait) x;
SELECT 'month wait: tickets say', * FROM (
  SELECT * FROM exp_month_wait
  EXCEPT SELECT month, site, category, upper(encode(wait, 'hex')) FROM month_aggs) x;
SELECT 'month_counts has', * FROM (SELECT * FROM month_counts EXCEPT SELECT * FROM exp_month_keyed) x;
SELECT 'month counts: tickets say', * FROM (
  SELECT * FROM exp_month_keyed EXCEPT SELECT * FROM month_counts) x;

-- Per site and day (day_totals) and per day and kind of help (day_cats).
CREATE TEMP VIEW exp_totals AS
SELECT day, site, sum(visits) AS visits, sum(served) AS served, sum(staffed) AS staffed,
       sum(spans) AS spans
FROM (SELECT day, site, count(*) AS visits, count(*) FILTER (WHERE outcome = 'served') AS served,
             0 AS staffed, 0 AS spans FROM tickets GROUP BY day, site
      UNION ALL
      SELECT day, site, 0, 0, n, 0 FROM exp_keyed WHERE kind = 'staffed'
      UNION ALL
      SELECT day, site, 0, 0, 0, n FROM exp_keyed WHERE kind = 'spans') x
GROUP BY day, site;
SELECT 'day_totals has', * FROM (SELECT * FROM day_totals EXCEPT SELECT * FROM exp_totals) x;
SELECT 'day totals: tickets say', * FROM (SELECT * FROM exp_totals EXCEPT SELECT * FROM day_totals) x;
-- Per site and month (month_totals, PostgreSQL's own): the days of the
-- month ("YYYY-MM-01" .. "YYYY-MM-31", as the month rows) summed.
CREATE TEMP VIEW exp_month_totals AS
SELECT left(day, 7) AS month, site, sum(visits) AS visits, sum(served) AS served,
       sum(staffed) AS staffed, sum(spans) AS spans
FROM exp_totals WHERE day BETWEEN left(day, 7) || '-01' AND left(day, 7) || '-31'
GROUP BY left(day, 7), site HAVING sum(visits) > 0 OR sum(spans) > 0;
SELECT 'month_totals has', * FROM (SELECT * FROM month_totals EXCEPT SELECT * FROM exp_month_totals) x;
SELECT 'month totals: tickets say', * FROM (
  SELECT * FROM exp_month_totals EXCEPT SELECT * FROM month_totals) x;
SELECT 'day_cats has', * FROM (
  SELECT * FROM day_cats EXCEPT SELECT day, category, count(*) FROM tickets GROUP BY day, category) x;
SELECT 'day cats: tickets say', * FROM (
  SELECT day, category, count(*) FROM tickets GROUP BY day, category EXCEPT SELECT * FROM day_cats) x;
