package agentsvc

import (
	"context"
	"testing"
	"time"

	"patchdesk/model/settings"
)

// The run-as password goes to agents only when they are to use it.
func TestPluginSettingsSendPasswordOnlyForSpecifiedUser(t *testing.T) {
	ctx := context.Background()
	_, src := openTestStore(t)
	plugin := func() string {
		t.Helper()
		v, err := src.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ps, err := pluginSettings(v)
		if err != nil {
			t.Fatal(err)
		}
		return ps.RunAsPassword
	}
	if _, err := src.Save(ctx, "t", map[string]string{settings.KeyRunAsUser: `CORP\patcher`, settings.KeyRunAsPassword: "s3cret"}); err != nil {
		t.Fatal(err)
	}
	if got := plugin(); got != "" {
		t.Errorf("with rights system the agent got password %q", got)
	}
	if _, err := src.Save(ctx, "t", map[string]string{settings.KeyRunWithRights: "specified_user"}); err != nil {
		t.Fatal(err)
	}
	if got := plugin(); got != "s3cret" {
		t.Errorf("with specified_user the agent got password %q", got)
	}
}

// The check-in that finds the cached revision stale answers from fresh data: a lone agent hears
// of a change at its next check-in, not one interval later.
func TestStaleRevisionIsRefreshedForTheCheckIn(t *testing.T) {
	ctx := context.Background()
	store, src := openTestStore(t)
	p := NewPolicies(store, src, quiet, time.Minute)
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	p.now = func() time.Time { return now }
	h := serveHost(t, store, src, Options{}, func(s *Server) { s.ServePolicies(p) })
	before := h.srv.policyRevision(ctx, 1)
	if _, err := src.Save(ctx, "t", map[string]string{settings.KeyNotifyUser: "false"}); err != nil {
		t.Fatal(err)
	}
	if got := h.srv.policyRevision(ctx, 1); got != before {
		t.Fatal("the revision moved within the cache's TTL")
	}
	now = now.Add(2 * time.Minute)
	if got := h.srv.policyRevision(ctx, 1); got == before {
		t.Fatal("the first check-in after the TTL still got the old revision")
	}
}
