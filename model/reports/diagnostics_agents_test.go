package reports_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"patchdesk/model/reports"
	"patchdesk/model/reports/reportstest"
)

func TestAgentAndDeliveryReports(t *testing.T) {
	s := complianceStore(t)
	ctx := context.Background()
	if _, err := s.RequestPackages(ctx, "test", []string{"KB5039211"}, false); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		report string
		params reports.Values
		cols   []string
		want   []string
	}{
		// Every agent checked in an hour before Now; PC-NOKB is revoked.
		{"diagnostics-agent-status", nil, []string{"computer", "state", "in_target"},
			[]string{"Büro, PC-3 reporting yes", "PC-MID reporting yes", "PC-NEW reporting yes", "PC-NOKB revoked no", "PC-OLD reporting yes"}},
		{"diagnostics-not-reporting", reports.Values{"days": "30"}, []string{"computer", "days"}, []string{"PC-OLD 40"}},
		{"diagnostics-agent-versions", nil, []string{"version", "computers"}, []string{"1.2.0 2", "1.3.0 2"}},
		{"diagnostics-vulnerability-summary", nil, []string{"worst", "computers"}, []string{"Critical 3", "Important 1", "nothing missing 1"}},
		{"remediation-download-status", nil, []string{"update", "state"}, []string{"KB5039211/21H2 wanted", "KB5039211/22H2 wanted"}},
		{"bulletins-staged", nil, []string{"bulletin"}, []string{}},
		{"compliance-history", nil, []string{"computers"}, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.report, func(t *testing.T) {
			res := runOn(t, s, tc.report, tc.params)
			if got := rowsOf(res, tc.cols...); !slices.Equal(got, tc.want) {
				t.Errorf("%s %v\n got %q\nwant %q", tc.report, tc.cols, got, tc.want)
			}
			if res.Chart != nil {
				if _, _, err := res.Chart.Resolve(); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func TestDashboard(t *testing.T) {
	s := complianceStore(t)
	ctx := context.Background()
	if _, err := s.TakeComplianceSnapshot(ctx, reportstest.Now); err != nil {
		t.Fatal(err)
	}
	d, err := reports.LoadDashboard(ctx, s, reportstest.Now)
	if err != nil {
		t.Fatal(err)
	}
	// Totals of compliance-by-bulletin's rows (TestComplianceByBulletinAgreesWithStoredCounts).
	if c := d.Compliance; c.Installed != 5 || c.NotInstalled != 8 || c.Unknown != 2 || c.Computers != 5 || c.Compliant != 1 {
		t.Errorf("compliance = %+v, want installed 5, not installed 8, unknown 2, 5 computers, 1 compliant", c)
	}
	var names []string
	for _, a := range d.AtRisk {
		names = append(names, a.Name)
	}
	if want := []string{"Büro, PC-3", "PC-OLD", "PC-MID", "PC-NOKB"}; !slices.Equal(names, want) {
		t.Errorf("at risk = %q, want %q (critical first, then most missing)", names, want)
	}
	if b := d.Bulletins; b.Available != 3 || b.Staged != 0 || b.WithPolicies != 0 || b.New30Days != 0 {
		t.Errorf("bulletins = %+v, want 3 available and nothing else", b)
	}
	if len(d.History) != 1 || d.History[0].NotInstalled != 8 {
		t.Errorf("history = %+v, want today's snapshot", d.History)
	}
	// Agents checked in an hour before Now; PC-NOKB is revoked.
	for _, tc := range []struct {
		since time.Duration
		want  reports.AgentCounts
	}{{2 * time.Hour, reports.AgentCounts{Enrolled: 5, Online: 4, Revoked: 1}}, {30 * time.Minute, reports.AgentCounts{Enrolled: 5, Revoked: 1}}} {
		if got, err := reports.CountAgents(ctx, s, reportstest.Now.Add(-tc.since)); err != nil || got != tc.want {
			t.Errorf("CountAgents(online within %s) = %+v, %v; want %+v", tc.since, got, err, tc.want)
		}
	}
	for _, name := range []string{reports.DashboardComplianceReport, reports.DashboardAtRiskReport, reports.DashboardBulletinsReport, reports.DashboardHistoryReport} {
		if reports.Find(name) == nil {
			t.Errorf("dashboard links to %s, which is not registered", name)
		}
	}
}
