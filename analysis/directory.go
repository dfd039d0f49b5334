package analysis

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/oncall-health/oncall-health/queries"
)

// ServiceInfo names a service and the team that owns it ("" for none).
type ServiceInfo struct {
	Name   string
	TeamID string
}

// Services returns every stored service by id.
func Services(ctx context.Context, db *sql.DB) (map[string]ServiceInfo, error) {
	rows, err := db.QueryContext(ctx, queries.Get("service-directory"))
	if err != nil {
		return nil, fmt.Errorf("read services: %w", err)
	}
	defer rows.Close()
	out := map[string]ServiceInfo{}
	for rows.Next() {
		var id string
		var s ServiceInfo
		if err := rows.Scan(&id, &s.Name, &s.TeamID); err != nil {
			return nil, fmt.Errorf("read services: %w", err)
		}
		out[id] = s
	}
	return out, rows.Err()
}

// Services is Services of the Computer's database.
func (c *Computer) Services(ctx context.Context) (map[string]ServiceInfo, error) {
	return Services(ctx, c.db)
}
