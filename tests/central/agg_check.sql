-- agg_check.sql — the aggregates (day_aggs, day_counts, month_aggs, month_counts,
-- day_totals, day_cats) against a
-- recomputation from the tickets and desk spans, in plain SQL, as
-- cstore_sqlite_agg.c describes them. Prints one line per difference
-- (nothing when they are equal). The histograms are compared in their
-- stored form (hist.h), which for counts under 128 is, per bucket, two hex
-- digits of the bucket and two of the count.
--
--   sqlite3 central.db <tests/central/agg_check.sql
CREATE TEMP VIEW exp_counts AS
SELECT day, site, category, count(*) AS visits,
       sum(outcome IS 'served') AS served, sum(outcome IS 'no_show') AS no_show,
       sum(outcome IS 'expired') AS expired, sum(outcome IS 'cancelled') AS cancelled,
       sum(outcome IS NULL) AS open,
       sum(outcome IS 'served' AND served_outcome IS 'solved') AS solved,
       sum(outcome IS 'served' AND served_outcome IS 'referred') AS referred,
       sum(outcome IS 'served' AND served_outcome IS 'follow_up') AS follow_up,
       sum(outcome IS 'served' AND served_outcome IS NULL) AS outcome_nr,
       sum(outcome IS 'served' AND first_visit IS 1) AS first_yes,
       sum(outcome IS 'served' AND first_visit IS 0) AS first_no,
       sum(outcome IS 'served' AND first_visit IS NULL) AS first_nr
FROM tickets GROUP BY day, site, category;

CREATE TEMP VIEW exp_also AS
SELECT t.day, t.site, j.value AS category, count(*) AS also
FROM tickets t, json_each(t.topics) j
WHERE t.outcome = 'served' AND t.topics IS NOT NULL AND j.type = 'text' AND j.key < 64
  AND j.value <> t.category
GROUP BY t.day, t.site, j.value;

CREATE TEMP VIEW exp_wait AS
SELECT day, site, category, group_concat(printf('%02X%02X', b, n), '') AS hex
FROM (SELECT day, site, category, b, count(*) AS n
      FROM (SELECT day, site, category, min((called_ms - issued_ms + 30000) / 60000, 240) AS b
            FROM tickets WHERE called_ms IS NOT NULL AND issued_ms >= 1767225600000
              AND called_ms >= issued_ms)
      GROUP BY day, site, category, b ORDER BY day, site, category, b)
GROUP BY day, site, category;

CREATE TEMP VIEW exp_service AS
SELECT day, site, category, group_concat(printf('%02X%02X', b, n), '') AS hex
FROM (SELECT day, site, category, b, count(*) AS n
      FROM (SELECT day, site, category,
                   min((finished_ms - last_called_ms + 30000) / 60000, 240) AS b
            FROM tickets WHERE outcome = 'served' AND last_called_ms IS NOT NULL
              AND finished_ms >= last_called_ms)
      GROUP BY day, site, category, b ORDER BY day, site, category, b)
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
  EXCEPT SELECT * FROM exp_counts);
SELECT 'tickets say', * FROM (
  SELECT * FROM exp_counts
  EXCEPT SELECT day, site, category, visits, served, no_show, expired, cancelled, open, solved,
         referred, follow_up, outcome_nr, first_yes, first_no, first_nr FROM day_aggs);
SELECT 'also: day_aggs has', * FROM (
  SELECT day, site, category, also FROM day_aggs WHERE also > 0 EXCEPT SELECT * FROM exp_also);
SELECT 'also: tickets say', * FROM (
  SELECT * FROM exp_also EXCEPT SELECT day, site, category, also FROM day_aggs);
SELECT 'an empty row', day, site, category FROM day_aggs WHERE visits = 0 AND also = 0;
SELECT 'wait: day_aggs has', * FROM (
  SELECT day, site, category, hex(wait) FROM day_aggs WHERE length(wait) > 0
  EXCEPT SELECT * FROM exp_wait);
SELECT 'wait: tickets say', * FROM (
  SELECT * FROM exp_wait EXCEPT SELECT day, site, category, hex(wait) FROM day_aggs);
SELECT 'service: day_aggs has', * FROM (
  SELECT day, site, category, hex(service) FROM day_aggs WHERE length(service) > 0
  EXCEPT SELECT * FROM exp_service);
SELECT 'service: tickets say', * FROM (
  SELECT * FROM exp_service EXCEPT SELECT day, site, category, hex(service) FROM day_aggs);
SELECT 'day_counts has', * FROM (SELECT * FROM day_counts EXCEPT SELECT * FROM exp_keyed);
SELECT 'desk spans say', * FROM (SELECT * FROM exp_keyed EXCEPT SELECT * FROM day_counts);

-- Whole months (month_aggs, month_counts): the same, per substr(day, 1, 7).
CREATE TEMP VIEW exp_month_counts AS
SELECT substr(day, 1, 7) AS month, site, category, sum(visits) AS visits, sum(served) AS served,
       sum(no_show) AS no_show, sum(expired) AS expired, sum(cancelled) AS cancelled,
       sum(open) AS open, sum(solved) AS solved, sum(referred) AS referred,
       sum(follow_up) AS follow_up, sum(outcome_nr) AS outcome_nr, sum(first_yes) AS first_yes,
       sum(first_no) AS first_no, sum(first_nr) AS first_nr
FROM exp_counts GROUP BY 1, site, category;
CREATE TEMP VIEW exp_month_also AS
SELECT substr(day, 1, 7) AS month, site, category, sum(also) AS also FROM exp_also
GROUP BY 1, site, category;
CREATE TEMP VIEW exp_month_wait AS
SELECT month, site, category, group_concat(printf('%02X%02X', b, n), '') AS hex
FROM (SELECT month, site, category, b, count(*) AS n
      FROM (SELECT substr(day, 1, 7) AS month, site, category,
                   min((called_ms - issued_ms + 30000) / 60000, 240) AS b
            FROM tickets WHERE called_ms IS NOT NULL AND issued_ms >= 1767225600000
              AND called_ms >= issued_ms)
      GROUP BY month, site, category, b ORDER BY month, site, category, b)
GROUP BY month, site, category;
CREATE TEMP VIEW exp_month_keyed AS
SELECT substr(day, 1, 7) AS month, site, kind, key, sum(n) AS n FROM exp_keyed
GROUP BY 1, site, kind, key;

SELECT 'month_aggs has', * FROM (
  SELECT month, site, category, visits, served, no_show, expired, cancelled, open, solved,
         referred, follow_up, outcome_nr, first_yes, first_no, first_nr FROM month_aggs
  WHERE visits > 0 EXCEPT SELECT * FROM exp_month_counts);
SELECT 'months: tickets say', * FROM (
  SELECT * FROM exp_month_counts
  EXCEPT SELECT month, site, category, visits, served, no_show, expired, cancelled, open, solved,
         referred, follow_up, outcome_nr, first_yes, first_no, first_nr FROM month_aggs);
SELECT 'month also differs', * FROM (
  SELECT month, site, category, also FROM month_aggs WHERE also > 0
  EXCEPT SELECT * FROM exp_month_also);
SELECT 'month wait differs', * FROM (
  SELECT month, site, category, hex(wait) FROM month_aggs WHERE length(wait) > 0
  EXCEPT SELECT * FROM exp_month_wait);
SELECT 'month wait: tickets say', * FROM (
  SELECT * FROM exp_month_wait EXCEPT SELECT month, site, category, hex(wait) FROM month_aggs);
SELECT 'month_counts has', * FROM (SELECT * FROM month_counts EXCEPT SELECT * FROM exp_month_keyed);
SELECT 'month counts: tickets say', * FROM (
  SELECT * FROM exp_month_keyed EXCEPT SELECT * FROM month_counts);

-- Per site and day (day_totals) and per day and kind of help (day_cats).
CREATE TEMP VIEW exp_totals AS
SELECT day, site, sum(visits) AS visits, sum(served) AS served, sum(staffed) AS staffed,
       sum(spans) AS spans
FROM (SELECT day, site, count(*) AS visits, sum(outcome IS 'served') AS served, 0 AS staffed,
             0 AS spans FROM tickets GROUP BY day, site
      UNION ALL
      SELECT day, site, 0, 0, n, 0 FROM exp_keyed WHERE kind = 'staffed'
      UNION ALL
      SELECT day, site, 0, 0, 0, n FROM exp_keyed WHERE kind = 'spans')
GROUP BY day, site;
SELECT 'day_totals has', * FROM (SELECT * FROM day_totals EXCEPT SELECT * FROM exp_totals);
SELECT 'day totals: tickets say', * FROM (SELECT * FROM exp_totals EXCEPT SELECT * FROM day_totals);
SELECT 'day_cats has', * FROM (
  SELECT * FROM day_cats EXCEPT SELECT day, category, count(*) FROM tickets GROUP BY day, category);
SELECT 'day cats: tickets say', * FROM (
  SELECT day, category, count(*) FROM tickets GROUP BY day, category EXCEPT SELECT * FROM day_cats);
