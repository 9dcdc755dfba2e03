package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"patchdesk/model/settings"
)

// run executes the patchdesk command line in-process, as a script would.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func TestSettingsShowJSONListsEveryDefault(t *testing.T) {
	dir := t.TempDir()
	out, err := run(t, "--data", dir, "settings", "show", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []settingJSON
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("settings show JSON: %v\n%s", err, out)
	}
	if len(rows) != len(settings.Defs) {
		t.Fatalf("%d settings listed, want %d", len(rows), len(settings.Defs))
	}
	byKey := map[string]settingJSON{}
	for _, r := range rows {
		byKey[r.Key] = r
		if !r.IsDefault {
			t.Errorf("%s is not at its default on a fresh data dir", r.Key)
		}
	}
	for key, want := range map[string]any{
		settings.KeyFilterInterval:    "30m",
		settings.KeyDeletePackages:    "1w",
		settings.KeyTerminateAfter:    "4h",
		settings.KeyReinstallAttempts: float64(3),
		settings.KeyScanOnlyIfChanged: true,
		settings.KeyImportSchedule:    "daily 01:00",
		settings.KeyImportIncremental: true,
		settings.KeyDefaultTarget:     "Windows computers with the agent",
		settings.KeyToLocation:        dir + "/packages",
	} {
		if got := byKey[key].Value; got != want {
			t.Errorf("%s = %#v, want %#v", key, got, want)
		}
	}
	if langs, _ := byKey[settings.KeyImportLanguages].Value.([]any); len(langs) != 1 || langs[0] != "en" {
		t.Errorf("languages = %#v", byKey[settings.KeyImportLanguages].Value)
	}
}

func TestSettingsSetValidatesAll(t *testing.T) {
	dir := t.TempDir()
	if _, err := run(t, "--data", dir, "settings", "set", settings.KeyFilterInterval, "1h", "no.such.key", "1"); err == nil ||
		!strings.Contains(err.Error(), "no.such.key") {
		t.Fatalf("set with an unknown key: err = %v", err)
	}
	if _, err := run(t, "--data", dir, "settings", "set", settings.KeyFilterInterval, "-5m"); err == nil {
		t.Fatal("a negative interval was accepted")
	}
	out, _ := run(t, "--data", dir, "settings", "show", settings.KeyFilterInterval, "--format", "json")
	if !strings.Contains(out, `"value": "30m"`) {
		t.Fatalf("a rejected set changed the value:\n%s", out)
	}
	if _, err := run(t, "--data", dir, "settings", "set", settings.KeyFilterInterval, "1h"); err != nil {
		t.Fatal(err)
	}
	out, _ = run(t, "--data", dir, "settings", "show", settings.KeyFilterInterval, "--format", "json")
	if !strings.Contains(out, `"value": "1h"`) {
		t.Fatalf("set did not stick:\n%s", out)
	}
}

func TestJobRunIsRecorded(t *testing.T) {
	dir := t.TempDir()
	out, err := run(t, "--data", dir, "job", "run", "database-maintenance", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var r runJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Outcome != "succeeded" || r.Trigger != "cli" {
		t.Fatalf("job run output %q: %v", out, err)
	}
	out, err = run(t, "--data", dir, "jobs", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var list []jobJSON
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	for _, j := range list {
		if j.Name == "database-maintenance" {
			if j.LastRun == nil || j.LastRun.ID != r.ID || j.NextRun == nil {
				t.Fatalf("jobs shows %+v", j)
			}
			return
		}
	}
	t.Fatal("jobs does not list database-maintenance")
}

func TestUnknownJobAndFormat(t *testing.T) {
	dir := t.TempDir()
	if _, err := run(t, "--data", dir, "job", "run", "no-such-job"); err == nil || !strings.Contains(err.Error(), "unknown job") {
		t.Fatalf("unknown job: %v", err)
	}
	if _, err := run(t, "--data", dir, "jobs", "--format", "xml"); err == nil {
		t.Fatal("--format xml accepted")
	}
}

func TestSecondHostIsRefused(t *testing.T) {
	dir := t.TempDir()
	g := &globals{data: dir}
	h, err := startHost(context.Background(), g, "serve", hostOptions{listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if _, err := run(t, "--data", dir, "serve"); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("second host: %v", err)
	}
	// Commands still work beside the running host.
	if _, err := run(t, "--data", dir, "settings", "set", settings.KeyHistoryDays, "30"); err != nil {
		t.Fatal(err)
	}
}

func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	msrc, winget := "../../jobs/testdata/msrc", "../../jobs/testdata/winget"
	out, err := run(t, "--data", dir, "import", "--source", msrc, "--source", winget, "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var first struct {
		BulletinsAdded int64 `json:"bulletins_added"`
		Bulletins      int64 `json:"bulletins"`
	}
	if err := json.Unmarshal([]byte(out), &first); err != nil || first.BulletinsAdded == 0 || first.Bulletins != first.BulletinsAdded {
		t.Fatalf("first import: %v\n%s", err, out)
	}
	out, err = run(t, "--data", dir, "import", "--source", msrc, "--source", winget, "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"bulletins_added": 0`) || !strings.Contains(out, `"bulletins_changed": 0`) {
		t.Fatalf("a second import changed something:\n%s", out)
	}

	// A truncated CVRF document fails the import and leaves the catalog as it was.
	before, _ := run(t, "--data", dir, "bulletins", "--format", "json")
	bad := t.TempDir()
	full, err := os.ReadFile(msrc + "/cvrfDocument-2024-Jan.xml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(bad+"/cvrfDocument-2024-Feb.xml", full[:len(full)/2], 0o600)
	if _, err := run(t, "--data", dir, "import", "--source", bad); err == nil {
		t.Fatal("a truncated CVRF document imported")
	}
	after, _ := run(t, "--data", dir, "bulletins", "--format", "json")
	if before != after {
		t.Fatal("a failed import changed the catalog")
	}
	// The runs are in the job history.
	out, _ = run(t, "--data", dir, "job", "history", "import-catalog", "--format", "json")
	var runs []runJSON
	json.Unmarshal([]byte(out), &runs)
	if len(runs) != 3 || runs[0].Outcome != "failed" || runs[1].Outcome != "succeeded" {
		t.Fatalf("history = %+v", runs)
	}
}

func TestWindowsDenyAndDelayCommands(t *testing.T) {
	dir := t.TempDir()
	must := func(args ...string) string {
		t.Helper()
		out, err := run(t, append([]string{"--data", dir}, args...)...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return out
	}
	must("window", "add", "Patch Tuesday", "2nd tue +3 01:00-05:00")
	must("window", "assign", "Patch Tuesday", "Windows computers with the agent")
	out := must("window", "list", "--format", "json")
	if !strings.Contains(out, "Patch Tuesday") || !strings.Contains(out, "Windows computers with the agent") {
		t.Fatalf("window list:\n%s", out)
	}
	if _, err := run(t, "--data", dir, "window", "add", "Bad", "someday 25:00-26:00"); err == nil {
		t.Fatal("a malformed window was accepted")
	}

	must("import", "--source", "../../jobs/testdata/winget")
	updates := must("updates", "Notepad++.Notepad++ 8.8.1", "--format", "json")
	var ups []struct{ ID string }
	if err := json.Unmarshal([]byte(updates), &ups); err != nil || len(ups) == 0 {
		t.Fatalf("updates: %v\n%s", err, updates)
	}
	must("update", "deny", ups[0].ID, "--reason", "breaks the accounting add-in")
	if out := must("update", "denied", "--format", "json"); !strings.Contains(out, ups[0].ID) {
		t.Fatalf("denied list lacks %s:\n%s", ups[0].ID, out)
	}
	must("update", "allow", ups[0].ID)
	if out := must("update", "denied", "--format", "json"); strings.Contains(out, ups[0].ID) {
		t.Fatalf("allowed update still denied:\n%s", out)
	}

	must("target", "delay", "Windows computers with the agent", "7")
	if out := must("target", "delay", "--format", "json"); !strings.Contains(out, "7") {
		t.Fatalf("target delay list:\n%s", out)
	}
}
