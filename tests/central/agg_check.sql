-- agg_check.sql — the per-day aggregates (day_aggs, day_counts) against a
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
