package reports_test

import (
	"context"
	"testing"
	"time"

	"patchdesk/model"
	"patchdesk/model/reports"
	"patchdesk/model/reports/reportstest"
)

func TestDeniedAndPolicyStatusReports(t *testing.T) {
	store := reportstest.OpenStore(t)
	reportstest.SeedCompliance(t, store)
	ctx := context.Background()
	if _, err := store.DenyUpdate(ctx, "t", "KB5039211/21H2", "breaks the scanner driver"); err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreatePolicy(ctx, "t", model.PolicyInput{Name: "June", Bulletins: []string{"KB5039211"},
		Targets: []string{"Windows computers with the agent"}, Enabled: true, Run: model.PolicyRunASAP}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.RecomputeTargets(ctx); err != nil {
		t.Fatal(err)
	}
	ps, _ := store.Policies(ctx)
	cs, _ := store.Computers(ctx, model.ComputerQuery{})
	ev := func(c int, status string) model.DeliveryEvent {
		return model.DeliveryEvent{ComputerID: cs[c].ID, UpdateID: "KB5039211/22H2", PolicyID: ps[0].ID, Status: status, At: reportstest.Now, ReceivedAt: reportstest.Now}
	}
	if err := store.AddDeliveryEvents(ctx, []model.DeliveryEvent{ev(0, "installing"), ev(0, model.DeliveryInstalled), ev(1, model.DeliveryFailed), ev(2, "installing")}); err != nil {
		t.Fatal(err)
	}
	run := func(name string) *reports.Result {
		t.Helper()
		r, err := reports.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		res, err := r.RunAt(ctx, store, reports.Values{}, reportstest.Now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	denied := run("bulletins-denied")
	if len(denied.Rows) != 1 || denied.Rows[0][0] != "KB5039211/21H2" || denied.Rows[0][2] != "KB5039211" || denied.Rows[0][5] != "breaks the scanner driver" {
		t.Fatalf("denied rows = %v", denied.Rows)
	}
	status := run("policy-status-by-computer")
	states := map[string]string{}
	for _, r := range status.Rows {
		states[r[1].(string)] = r[2].(string)
	}
	want := map[string]string{cs[0].Name: "installed", cs[1].Name: "failed", cs[2].Name: "in progress"}
	for computer, w := range want {
		if states[computer] != w {
			t.Errorf("%s: state %q, want %q (all: %v)", computer, states[computer], w, states)
		}
	}
	for computer, st := range states {
		if _, listed := want[computer]; !listed && st != "not started" {
			t.Errorf("%s without deliveries is %q, want not started", computer, st)
		}
	}
}
