package ui

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"patchdesk/jobs"
	"patchdesk/model"
)

// seedDownloadable writes a bulletin whose two packages a loopback server offers, and registers
// the download job as the host does.
func seedDownloadable(t *testing.T, h Host) {
	t.Helper()
	files := map[string][]byte{
		"/pdtool-2.4-x64.msi": bytes.Repeat([]byte("x64 package "), 2000),
		"/pdtool-2.4-x86.msi": bytes.Repeat([]byte("x86 package "), 1500),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(files[r.URL.Path]))
	}))
	t.Cleanup(srv.Close)
	up := func(arch string) model.CatalogUpdate {
		name := "pdtool-2.4-" + arch + ".msi"
		sum := sha256.Sum256(files["/"+name])
		return model.CatalogUpdate{ID: "PDTool 2.4/" + arch, Name: "PD Tool 2.4 " + arch + " MSI", Architecture: arch, Language: "en-US",
			URL: srv.URL + "/" + name, FileName: name, SHA256: hex.EncodeToString(sum[:]), CommandLine: "msiexec /i " + name + " /qn"}
	}
	b := model.CatalogBulletin{ID: "PDTool 2.4", Vendor: "PD Tools", Software: "PD Tool", Title: "PD Tool 2.4", Severity: "Important",
		Description: "Fixes a remote code execution in the update checker.", Released: time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC),
		Updates: []model.CatalogUpdate{up("x64"), up("x86")}}
	if _, err := h.Store.ApplyCatalog(context.Background(), []model.CatalogUnit{{Location: "test", Unit: "dl", Digest: "1", Bulletins: []model.CatalogBulletin{b}}}, model.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	h.Runner.Register(jobs.DownloadJob(&jobs.Downloader{Store: h.Store, Settings: h.Settings, Log: h.Log}))
}

func TestDistributeWizard(t *testing.T) {
	ui, h := newTestConsole(t)
	seedDownloadable(t, h)
	ui.ShowScreen("Remediation Center")
	s := ui.screens[1].(*remediationScreen)
	w := s.openWizard([]string{"PDTool 2.4"})
	if w.name.Text != "PDTool 2.4" || w.targets.Text != "Windows computers with the agent" || w.description.Text == "" {
		t.Fatalf("page 1 suggests name %q, targets %q, description %q", w.name.Text, w.targets.Text, w.description.Text)
	}
	test.AssertImageMatches(t, "screens/distribute_page1.png", ui.win.Canvas().Capture())

	w.name.SetText("PD Tool pilot")
	w.run.SetSelected(runChoices[2].label)
	test.Tap(w.next)
	if w.page != 0 || w.problem.Text == "" {
		t.Fatalf("an empty schedule was accepted (page %d, problem %q)", w.page, w.problem.Text)
	}
	w.schedule.SetText("weekly wed 20:00")
	w.restart.SetChecked(true)
	test.Tap(w.next)
	if w.page != 1 {
		t.Fatalf("Next stayed on page 1: %q", w.problem.Text)
	}
	w.updateOn["PDTool 2.4/x86"].SetChecked(false)
	test.AssertImageMatches(t, "screens/distribute_page2.png", ui.win.Canvas().Capture())

	test.Tap(w.finishBtn) // creates the policy and downloads its packages (synchronously here)
	test.AssertImageMatches(t, "screens/distribute_status.png", ui.win.Canvas().Capture())
	p, err := h.Store.FindPolicy(context.Background(), "PD Tool pilot")
	if err != nil {
		t.Fatal(err)
	}
	if !p.Enabled || p.Run != model.PolicyRunSchedule || p.Schedule != "weekly wed 20:00" || !p.AllowImmediateRestart || p.UpdatesEnabled != 1 || len(p.Updates) != 2 {
		t.Fatalf("policy %+v", p)
	}
	if len(s.rows) != 1 || !s.rows[0].Staged || s.rows[0].Policies != 1 || s.rows[0].Downloaded != 2 {
		t.Fatalf("Remediation Center row after distribution: %+v", s.rows)
	}
}
