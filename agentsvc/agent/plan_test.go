package agent

import (
	"testing"
	"time"
)

func TestPlanNext(t *testing.T) {
	last := time.Date(2024, 3, 6, 10, 30, 0, 0, time.Local) // a Wednesday
	tests := []struct {
		schedule string
		want     time.Time
	}{
		{"every 4h", last.Add(4 * time.Hour)},
		{"daily 01:00", time.Date(2024, 3, 7, 1, 0, 0, 0, time.Local)},
		{"daily 23:00", time.Date(2024, 3, 6, 23, 0, 0, 0, time.Local)},
		{"weekly mon,fri 02:00", time.Date(2024, 3, 8, 2, 0, 0, 0, time.Local)},
		{"cron 0 12 * * *", time.Date(2024, 3, 6, 12, 0, 0, 0, time.Local)},
		{"manual", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.schedule, func(t *testing.T) {
			p, err := parsePlan(tt.schedule)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.next(last); !got.Equal(tt.want) {
				t.Errorf("next(%v) = %v, want %v", last, got, tt.want)
			}
		})
	}
	if _, err := parsePlan("sometimes"); err == nil {
		t.Error("parsePlan accepted a bad schedule")
	}
}
