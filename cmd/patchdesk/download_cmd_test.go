package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"patchdesk/model"
)

// runSub runs one of this file's commands as its own root with the globals set, so the test
// does not depend on main.go listing the command yet.
func runSub(t *testing.T, g *globals, make func(*globals) *cobra.Command, args ...string) (string, error) {
	t.Helper()
	cmd := make(g)
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func TestDownloadDistributePoliciesJSON(t *testing.T) {
	good := bytes.Repeat([]byte("PatchDesk test package "), 4000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(good))
	}))
	defer srv.Close()
	goodSum := sha256.Sum256(good)
	dir := t.TempDir()
	store, err := model.Open(context.Background(), dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	b := model.CatalogBulletin{ID: "T-1", Vendor: "Test", Software: "App", Title: "Test bulletin", Severity: "Critical",
		Updates: []model.CatalogUpdate{
			{ID: "T-1/good", Name: "good", URL: srv.URL + "/good.exe", FileName: "good.exe", SHA256: hex.EncodeToString(goodSum[:]), CommandLine: "good.exe /S"},
			{ID: "T-1/tampered", Name: "tampered", URL: srv.URL + "/bad.exe", FileName: "bad.exe", SHA256: hex.EncodeToString(make([]byte, 32))},
		}}
	if _, err := store.ApplyCatalog(context.Background(), []model.CatalogUnit{{Location: "t", Unit: "u", Digest: "d", Bulletins: []model.CatalogBulletin{b}}}, model.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	store.Close()
	g := &globals{data: dir, format: "json"}

	out, err := runSub(t, g, downloadCmd, "T-1")
	var exit *exitError
	if !errors.As(err, &exit) || exit.code != 1 {
		t.Fatalf("download with a tampered package: err %v, want exit 1", err)
	}
	var res downloadResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("download JSON: %v\n%s", err, out)
	}
	if len(res.Bulletins) != 1 || res.Bulletins[0].Downloaded != 1 || res.Bulletins[0].Staged || res.Summary == nil || res.Summary.Quarantined != 1 {
		t.Fatalf("download result %+v", res)
	}
	states := map[string]string{}
	for _, p := range res.Bulletins[0].Packages {
		states[p.UpdateID] = p.State
	}
	if states["T-1/good"] != model.PackageDownloaded || states["T-1/tampered"] != model.PackageQuarantined {
		t.Fatalf("package states %v", states)
	}

	out, err = runSub(t, g, distributeCmd, "--name", "Test rollout", "--asap", "--disable-update", "T-1/tampered", "T-1")
	if err != nil {
		t.Fatal(err)
	}
	var p model.PolicyView
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("distribute JSON: %v\n%s", err, out)
	}
	if p.Name != "Test rollout" || !p.Enabled || p.Run != model.PolicyRunASAP || p.UpdatesEnabled != 1 ||
		len(p.Targets) != 1 || p.Targets[0] != "Windows computers with the agent" {
		t.Fatalf("policy %+v", p)
	}
	for _, u := range p.Updates {
		if u.ID == "T-1/good" && (u.Package != "good.exe" || u.SHA256 != hex.EncodeToString(goodSum[:])) {
			t.Fatalf("good update's package %+v", u)
		}
	}

	if _, err := runSub(t, g, distributeCmd, "--name", "test ROLLOUT", "T-1"); !errors.Is(err, model.ErrPolicyExists) {
		t.Fatalf("second policy of the same name: %v", err)
	}
	if _, err := runSub(t, g, policyCmd, "off", "Test rollout"); err != nil {
		t.Fatal(err)
	}
	out, err = runSub(t, g, policiesCmd)
	if err != nil {
		t.Fatal(err)
	}
	var ps []model.PolicyView
	if err := json.Unmarshal([]byte(out), &ps); err != nil || len(ps) != 1 || ps[0].Enabled {
		t.Fatalf("policies JSON %v: %s", err, out)
	}
}
