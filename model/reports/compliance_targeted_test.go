package reports_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"patchdesk/model"
	"patchdesk/model/reports"
	"patchdesk/model/reports/reportstest"
)

// targetedStore adds two targets and three policies to the compliance seed: an enabled policy
// with June's bulletin on PC-N*, a disabled one with it on the Büro computer and PC-NEW again,
// and one with 7-Zip on a target nobody is in.
func targetedStore(t *testing.T) *model.Store {
	t.Helper()
	s := complianceStore(t)
	ctx := context.Background()
	for _, tg := range []struct {
		name string
		q    model.TargetQuery
	}{
		{"Lab", model.TargetQuery{NamePattern: "PC-N*"}},
		{"Office", model.TargetQuery{NamePattern: "Büro"}},
		{"Nobody", model.TargetQuery{NamePattern: "no-such-computer"}},
	} {
		if _, err := s.AddTarget(ctx, "test", tg.name, "", tg.q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.RecomputeTargets(ctx); err != nil {
		t.Fatal(err)
	}
	for _, p := range []model.PolicyInput{
		{Name: "June to the lab", Bulletins: []string{"KB5039211"}, Targets: []string{"lab"}, Enabled: true},
		{Name: "June, later", Bulletins: []string{"KB5039211"}, Targets: []string{"Office", "Lab"}},
		{Name: "7-Zip", Bulletins: []string{"7zip.7zip 19.00"}, Targets: []string{"Nobody"}, Enabled: true},
	} {
		if _, err := s.CreatePolicy(ctx, "test", p); err != nil {
			t.Fatalf("create policy %s: %v", p.Name, err)
		}
	}
	return s
}

func TestBulletinTargetedComputers(t *testing.T) {
	s := targetedStore(t)
	tests := []struct {
		name     string
		bulletin string
		want     []string
	}{
		{"two policies, overlapping targets", "KB5039211", []string{
			"Büro, PC-3 not_installed June, later (disabled) Office",
			"PC-NEW installed June to the lab; June, later (disabled) Lab",
			"PC-NOKB unknown June to the lab; June, later (disabled) Lab",
		}},
		{"a target without members", "7zip.7zip 19.00", []string{}},
		{"no policy", "KB5037768", []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runOn(t, s, "bulletin-targeted-computers", reports.TargetedParams(tc.bulletin))
			if got := rowsOf(res, "computer", "state", "policies", "targets"); !slices.Equal(got, tc.want) {
				t.Errorf("bulletin %s\n got %q\nwant %q", tc.bulletin, got, tc.want)
			}
			if _, _, err := res.Chart.Resolve(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestBulletinTargetedComputersRefuses(t *testing.T) {
	s := targetedStore(t)
	for _, bulletin := range []string{"", "KB0000000"} {
		t.Run(bulletin, func(t *testing.T) {
			_, err := reports.Find("bulletin-targeted-computers").RunAt(context.Background(), s, reports.TargetedParams(bulletin), reportstest.Now)
			if err == nil {
				t.Fatalf("bulletin %q ran; want an error", bulletin)
			}
			if bulletin == "" && !errors.Is(err, reports.ErrBadParam) {
				t.Errorf("empty bulletin: %v, want ErrBadParam", err)
			}
		})
	}
}
