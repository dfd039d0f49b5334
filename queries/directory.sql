-- Names of things the reports show beside the metrics.

-- name: service-directory
-- Every service with its name and the team that owns it ('' for none).
SELECT id, name, coalesce(team_id, '') FROM services ORDER BY id;
