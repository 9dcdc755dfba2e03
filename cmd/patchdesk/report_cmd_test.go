package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"patchdesk/model"
	"patchdesk/model/reports/reportstest"
)

// runMine runs the report and admin commands under a root with the global flags, the way
// main.go wires them, so these tests do not depend on main.go.
func runMine(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	g := &globals{}
	root.ResetCommands()
	root.ResetFlags()
	root.PersistentFlags().StringVar(&g.data, "data", "", "")
	root.PersistentFlags().StringVar(&g.format, "format", "table", "")
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error { return nil }
	root.AddCommand(reportCmd(g), adminCmd(g))
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&bytes.Buffer{})
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func seededDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	store, err := model.Open(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	reportstest.Seed(t, store)
	store.Close()
	return dir
}

func TestReportCommand(t *testing.T) {
	dir := seededDataDir(t)
	out, err := runMine(t, "", "--data", dir, "report", "list", "--format", "json")
	var list []reportInfo
	if err != nil || json.Unmarshal([]byte(out), &list) != nil || len(list) < 6 {
		t.Fatalf("report list: %v\n%s", err, out)
	}
	out, err = runMine(t, "", "--data", dir, "report", "bulletins-all", "--param", "vendor=Zürich Software, AG", "--format", "json")
	var doc struct {
		Report string
		Rows   [][]any
	}
	if err != nil || json.Unmarshal([]byte(out), &doc) != nil || len(doc.Rows) != 1 || doc.Rows[0][0] != "Zürich.Tool 2.1" {
		t.Fatalf("report with a vendor holding a comma: %v\n%s", err, out)
	}
	out, err = runMine(t, "", "--data", dir, "report", "bulletins-superseded")
	if err != nil || !strings.Contains(out, "Superseded software bulletins\nBulletins: 1\n") || !strings.Contains(out, "KB5063709") {
		t.Fatalf("table: %v\n%s", err, out)
	}
	file := filepath.Join(t.TempDir(), "all.csv")
	if _, err := runMine(t, "", "--data", dir, "report", "bulletins-all", "--format", "csv", "--out", file); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(file)
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\uFEFF")))).ReadAll()
	if err != nil || len(records) != 5 {
		t.Fatalf("CSV file: %d records, %v", len(records), err)
	}
	file = filepath.Join(t.TempDir(), "jobs.html")
	if _, err := runMine(t, "", "--data", dir, "report", "diagnostics-job-history", "--format", "html", "--out", file); err != nil {
		t.Fatal(err)
	}
	if page, _ := os.ReadFile(file); !bytes.Contains(page, []byte("Job runs by outcome")) || bytes.Contains(page, []byte(`src="http`)) {
		t.Fatal("HTML file lacks its chart or loads a script from the network")
	}
	for _, bad := range [][]string{
		{"report", "no-such-report"},
		{"report", "bulletins-all", "--param", "colour=red"},
		{"report", "bulletins-new-30-days", "--param", "days=ten"},
	} {
		if _, err := runMine(t, "", append([]string{"--data", dir}, bad...)...); err == nil {
			t.Errorf("%v succeeded", bad)
		}
	}
}

func TestAdminCommand(t *testing.T) {
	dir := t.TempDir()
	if _, err := runMine(t, "short\n", "--data", dir, "admin", "add", "alice"); err == nil || !strings.Contains(err.Error(), "at least 12") {
		t.Fatalf("short password: %v", err)
	}
	out, err := runMine(t, "correct horse battery\n", "--data", dir, "admin", "add", "alice")
	if err != nil || !strings.Contains(out, "Administrator alice added.") {
		t.Fatalf("add: %v %s", err, out)
	}
	out, err = runMine(t, "another long password", "--data", dir, "admin", "add", "alice")
	if err != nil || !strings.Contains(out, "Password of alice changed") {
		t.Fatalf("change: %v %s", err, out)
	}
	store, _ := model.Open(context.Background(), dir, nil)
	defer store.Close()
	if _, err := store.CheckAdminPassword(context.Background(), "alice", "another long password"); err != nil {
		t.Fatalf("the new password does not sign in: %v", err)
	}
	out, err = runMine(t, "", "--data", dir, "admin", "list", "--format", "json")
	if err != nil || !strings.Contains(out, `"name": "alice"`) || strings.Contains(out, "argon2") {
		t.Fatalf("list: %v %s", err, out)
	}
	if _, err := runMine(t, "", "--data", dir, "admin", "remove", "alice"); err != nil {
		t.Fatal(err)
	}
}
