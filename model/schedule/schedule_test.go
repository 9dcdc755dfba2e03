package schedule

import (
	"testing"
	"time"
)

func TestParseRoundTrip(t *testing.T) {
	tests := []struct {
		in, canonical string
	}{
		{"manual", "manual"},
		{"every 4h", "every 4h"},
		{"every 240m", "every 4h"},
		{"Every 1d", "every 1d"},
		{"daily 1:05", "daily 01:05"},
		{"weekly thu,mon 02:30", "weekly mon,thu 02:30"},
		{"weekly Monday 23:00", "weekly mon 23:00"},
		{"cron 0  3 * * 1-5", "cron 0 3 * * 1-5"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			sp, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := sp.String(); got != tt.canonical {
				t.Fatalf("Parse(%q).String() = %q, want %q", tt.in, got, tt.canonical)
			}
			again, err := Parse(sp.String())
			if err != nil || again.String() != tt.canonical {
				t.Fatalf("round trip of %q: %v %q", tt.canonical, err, again.String())
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	for _, in := range []string{"", "sometimes", "every", "every -5m", "every 10s", "daily 25:00", "daily", "weekly 02:00", "weekly funday 02:00", "cron 1 2 3", "manual now"} {
		if sp, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) = %v, want an error", in, sp)
		}
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		out  string
	}{
		{"30m", 30 * time.Minute, "30m"},
		{"4h", 4 * time.Hour, "4h"},
		{"1w", 7 * 24 * time.Hour, "1w"},
		{"7d", 7 * 24 * time.Hour, "1w"},
		{"36h", 36 * time.Hour, "36h"},
		{"90s", 90 * time.Second, "1m30s"},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if s := FormatDuration(got); s != tt.out {
			t.Errorf("FormatDuration(%v) = %q, want %q", got, s, tt.out)
		}
	}
	for _, bad := range []string{"", "-1h", "-2d", "1.5d", "soon"} {
		if d, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", bad, d)
		}
	}
}

func TestNext(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC) // a Friday
	last := now.Add(-30 * time.Minute)
	tests := []struct {
		spec string
		last time.Time
		want time.Time
	}{
		{"every 1h", last, last.Add(time.Hour)},
		{"every 1h", time.Time{}, now.Add(time.Hour)},
		{"daily 01:00", last, time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC)},
		{"daily 23:00", last, time.Date(2026, 11, 27, 23, 0, 0, 0, time.UTC)},
		{"weekly mon 02:00", last, time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)},
		{"cron 30 10 * * *", last, time.Date(2026, 11, 27, 10, 30, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		sp, _ := Parse(tt.spec)
		got, ok := sp.Next(now, tt.last)
		if !ok || !got.Equal(tt.want) {
			t.Errorf("%s.Next = %v %v, want %v", tt.spec, got, ok, tt.want)
		}
	}
	if _, ok := (Spec{Kind: Manual}).Next(now, last); ok {
		t.Error("a manual schedule has a next run")
	}
}
