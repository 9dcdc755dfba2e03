package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"patchdesk/assets"
	"patchdesk/jobs"
	"patchdesk/model"
	"patchdesk/model/inventory"
	"patchdesk/model/settings"
)

// runCompliance runs the compliance and target commands under a root with the global flags,
// the way main.go wires them, so these tests do not depend on main.go.
func runCompliance(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	g := &globals{}
	root.ResetCommands()
	root.ResetFlags()
	root.PersistentFlags().StringVar(&g.data, "data", "", "")
	root.PersistentFlags().StringVar(&g.format, "format", "table", "")
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error { return nil }
	root.AddCommand(complianceCmd(g), targetsCmd(g), targetCmd(g))
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&bytes.Buffer{})
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

// complianceDataDir has the snapshot catalog and one Windows 10 22H2 PC below June 2024's build.
func complianceDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	store, err := model.Open(ctx, dir, log)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	src := settings.Source{DB: store.DB, Env: settings.Env{DataDir: dir, Hostname: "h"}}
	if _, err := jobs.Import(ctx, store, src, assets.Catalog(), log, jobs.ImportRequest{}, nil); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	h := sha256.Sum256([]byte("s"))
	if err := store.CreateEnrolToken(ctx, model.EnrolToken{ID: "tok", SecretHash: h[:], CreatedAt: now, ExpiresAt: now.Add(time.Hour), Uses: 1, UsesLeft: 1}); err != nil {
		t.Fatal(err)
	}
	c, err := store.Enrol(ctx, model.Enrolment{TokenID: "tok", SecretHash: h[:], Hostname: "PC-22H2", OSFamily: "windows", CredentialHash: h[:], Now: now})
	if err != nil {
		t.Fatal(err)
	}
	inv := &inventory.Inventory{Hostname: "PC-22H2", OS: inventory.OS{Family: "windows", Name: "Windows 10 Pro", Version: "10.0", Build: 19045, UBR: 4291,
		Arch: "x64", ProductType: "workstation"}, KBs: []string{"KB890830"}, Software: []inventory.Software{{Name: "7-Zip 16.04 (x64)", Version: "16.04"}}}
	blob, _ := model.EncodeInventory(inv)
	recs := []model.InventoryRecord{{ComputerID: c.ID, Inventory: inv, Digest: inv.Digest(), Blob: blob, At: now}}
	if _, err := store.SaveInventories(ctx, recs); err != nil {
		t.Fatal(err)
	}
	store.InventoriesCommitted(recs)
	if err := store.ComplianceSettled(ctx); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestComplianceCommand(t *testing.T) {
	dir := complianceDataDir(t)
	out, err := runCompliance(t, "--data", dir, "compliance", "--computer", "PC-22H2", "--bulletin", "KB5039211", "--format", "json")
	var rows []struct {
		Computer, Bulletin, Update, State string
		Superseded                        bool
	}
	if err != nil || json.Unmarshal([]byte(out), &rows) != nil {
		t.Fatalf("compliance: %v\n%s", err, out)
	}
	states := map[string]string{}
	for _, r := range rows {
		if r.Computer != "PC-22H2" || r.Bulletin != "KB5039211" {
			t.Errorf("row outside the filter: %+v", r)
		}
		states[r.Update] = r.State
	}
	if states["KB5039211/12097"] != "not_installed" || states["KB5039211/12098"] != "not_applicable" {
		t.Errorf("states = %v", states)
	}
	out, err = runCompliance(t, "--data", dir, "compliance", "--by", "bulletin", "--bulletin", "KB5039211", "--format", "json")
	if err != nil || !strings.Contains(out, `"not_installed": 1`) || !strings.Contains(out, `"applicable": 1`) {
		t.Errorf("compliance --by bulletin: %v\n%s", err, out)
	}
	out, err = runCompliance(t, "--data", dir, "compliance", "--by", "computer")
	if err != nil || !strings.Contains(out, "PC-22H2") || !strings.Contains(out, "MISSING") {
		t.Errorf("compliance --by computer: %v\n%s", err, out)
	}
	if _, err := runCompliance(t, "--data", dir, "compliance", "--state", "broken"); err == nil {
		t.Error("a bad --state was accepted")
	}
}

func TestTargetCommands(t *testing.T) {
	dir := complianceDataDir(t)
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"target", "add", "Missing June", "--os", "windows", "--bulletin", "KB5039211", "--bulletin-state", "not_installed"}, `target "Missing June" added: 1 members`},
		{[]string{"target", "add", "Servers", "--os-name", "*Server*"}, `target "Servers" added: 0 members`},
		{[]string{"targets"}, "Windows computers with the agent"},
		{[]string{"target", "members", "Missing June"}, "PC-22H2"},
		{[]string{"target", "scan", "Missing June"}, "scan requested on 1 computers"},
		{[]string{"target", "update"}, "Servers"},
		{[]string{"target", "remove", "Servers"}, `target "Servers" removed`},
	}
	for _, st := range steps {
		out, err := runCompliance(t, append([]string{"--data", dir}, st.args...)...)
		if err != nil || !strings.Contains(out, st.want) {
			t.Errorf("%v: %v\n%s\nwant %q", st.args, err, out, st.want)
		}
	}
	out, err := runCompliance(t, "--data", dir, "targets", "--format", "json")
	var ts []model.Target
	if err != nil || json.Unmarshal([]byte(out), &ts) != nil || len(ts) != 3 || !ts[0].Builtin {
		t.Errorf("targets --format json: %v\n%s", err, out)
	}
	if _, err := runCompliance(t, "--data", dir, "target", "remove", "All computers with the agent"); err == nil {
		t.Error("a built-in target was removed")
	}
}
