-- Linkage, step 3: people the register does not know get one key per Splink cluster.
INSERT INTO linked
SELECT u.resource, u.record_id, 'U' || md5(coalesce(c.cluster_id, u.uid))[1:12], 'unknown', NULL
FROM splink_unknown u LEFT JOIN splink_clusters c USING (uid);
