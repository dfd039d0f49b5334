package ingest

import (
	"context"

	"github.com/PagerDuty/go-pagerduty"
)

// pagerDuty is the part of go-pagerduty's client that the sync calls: one
// list call per resource. *pagerduty.Client has the same methods; the sync
// uses tolerantAPI (tolerant.go), which makes the same requests through
// Client.PD and decodes their pages item by item; unit tests of windowing, resumption and commit order implement it with a
// struct of function fields, while the HTTP fake (pagerdutytest) keeps the
// contract and end-to-end tests.
type pagerDuty interface {
	ListUsersWithContext(context.Context, pagerduty.ListUsersOptions) (*pagerduty.ListUsersResponse, error)
	ListTeamsWithContext(context.Context, pagerduty.ListTeamOptions) (*pagerduty.ListTeamResponse, error)
	ListServicesWithContext(context.Context, pagerduty.ListServiceOptions) (*pagerduty.ListServiceResponse, error)
	ListEscalationPoliciesWithContext(context.Context, pagerduty.ListEscalationPoliciesOptions) (*pagerduty.ListEscalationPoliciesResponse, error)
	ListIncidentsWithContext(context.Context, pagerduty.ListIncidentsOptions) (*pagerduty.ListIncidentsResponse, error)
	ListIncidentAlertsWithContext(context.Context, string, pagerduty.ListIncidentAlertsOptions) (*pagerduty.ListAlertsResponse, error)
	ListLogEntriesWithContext(context.Context, pagerduty.ListLogEntriesOptions) (*pagerduty.ListLogEntryResponse, error)
	ListOnCallsWithContext(context.Context, pagerduty.ListOnCallOptions) (*pagerduty.ListOnCallsResponse, error)
	GetIncidentWithContext(context.Context, string) (*pagerduty.Incident, error)
}

var _ pagerDuty = (*pagerduty.Client)(nil)
