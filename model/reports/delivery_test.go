package reports_test

import (
	"context"
	"testing"
	"time"

	"patchdesk/model"
	"patchdesk/model/reports"
	"patchdesk/model/reports/reportstest"
)

func TestDeliverySummary(t *testing.T) {
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
}
