package reports_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"patchdesk/model"
	"patchdesk/model/reports"
	"patchdesk/model/reports/reportstest"
)

// seedDeliveries stores the delivery events both delivery reports are tested on.
func seedDeliveries(t *testing.T) (*model.Store, []model.ComputerView) {
	t.Helper()
	store := reportstest.OpenStore(t)
	reportstest.SeedCompliance(t, store)
	ctx := context.Background()
	cs, err := store.Computers(ctx, model.ComputerQuery{})
	if err != nil || len(cs) < 4 {
		t.Fatalf("computers: %d, %v", len(cs), err)
	}
	at := func(minutes int) time.Time { return reportstest.Now.Add(time.Duration(minutes-600) * time.Minute) }
	ev := func(c int, update, status string, attempt, minutes int) model.DeliveryEvent {
		return model.DeliveryEvent{ComputerID: cs[c].ID, UpdateID: update, Status: status, Attempt: attempt, At: at(minutes), ReceivedAt: at(minutes)}
	}
	const june = "KB5039211/22H2"
	events := []model.DeliveryEvent{
		// Computer 0: failed once, then installed: the latest execution succeeded.
		ev(0, june, "installing", 1, 1), ev(0, june, model.DeliveryRescheduled, 1, 2), ev(0, june, "installing", 2, 3), ev(0, june, model.DeliveryInstalled, 2, 4),
		// Computer 1: out of retries.
		ev(1, june, "installing", 3, 5), ev(1, june, model.DeliveryFailed, 3, 6),
		// Computer 2: still installing.
		ev(2, june, "installing", 1, 7),
		// Computer 3: the update turned out not to apply: not counted.
		ev(3, june, model.DeliveryNotApplicable, 0, 8),
		// An old success, before the period: not counted.
		{ComputerID: cs[3].ID, UpdateID: "7zip.7zip 19.00/x64", Status: model.DeliveryInstalled, At: reportstest.Now.AddDate(0, 0, -90), ReceivedAt: reportstest.Now.AddDate(0, 0, -90)},
	}
	if err := store.AddDeliveryEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	return store, cs
}

func TestDeliverySummary(t *testing.T) {
	store, _ := seedDeliveries(t)
	ctx := context.Background()
	const june = "KB5039211/22H2"
	r, err := reports.Lookup("delivery-summary")
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.RunAt(ctx, store, reports.Values{}, reportstest.Now)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 1 {
		t.Fatalf("rows = %v, want one (the June update)", res.Rows)
	}
	want := []any{"KB5039211", june, int64(1), int64(1), int64(1), int64(3)}
	for i, w := range want {
		if res.Rows[0][i] != w {
			t.Fatalf("row = %v, want %v", res.Rows[0], want)
		}
	}
	if res.Chart == nil || len(res.Chart.Data.Rows) != 1 {
		t.Fatalf("chart = %+v", res.Chart)
	}
	// The execution not completed (computer 2) is named by where it stands.
	if last := res.Summary[len(res.Summary)-1]; last.Value != "installing 1" {
		t.Errorf("summary %+v, want the not-completed executions by status", res.Summary)
	}
}

func TestDeliveryEvents(t *testing.T) {
	store, cs := seedDeliveries(t)
	ctx := context.Background()
	r, err := reports.Lookup("delivery-events")
	if err != nil {
		t.Fatal(err)
	}
	statuses := func(res *reports.Result) (out []string) {
		for _, row := range res.Rows {
			out = append(out, fmt.Sprintf("%v#%v", row[5], row[4]))
		}
		return out
	}
	// One computer's story, oldest first.
	res, err := r.RunAt(ctx, store, reports.Values{"computer": cs[0].Name}, reportstest.Now)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(statuses(res), " "), "installing#1 failed_rescheduled#1 installing#2 installed#2"; got != want {
		t.Fatalf("computer 0: %s, want %s", got, want)
	}
	if res.Rows[0][1] != cs[0].Name || res.Rows[0][2] != "KB5039211" {
		t.Errorf("first row %v", res.Rows[0])
	}
	// Every computer: the 90-day-old event is out of the period; a limit keeps the newest rows.
	res, err = r.RunAt(ctx, store, reports.Values{"limit": "2"}, reportstest.Now)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(statuses(res), " "), "installing#1 not_applicable#0"; got != want {
		t.Fatalf("newest two: %s, want %s", got, want)
	}
	if res.Summary[1].Value != "8" || len(res.Summary) != 3 {
		t.Errorf("summary %+v, want 8 status changes of which 2 shown", res.Summary)
	}
	if res.Chart == nil || len(res.Chart.Data.Rows) != 2 {
		t.Errorf("chart %+v", res.Chart)
	}
}
