package settings

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"patchdesk/model"
)

func testEnv(t *testing.T) (*model.Store, Env) {
	t.Helper()
	dir := t.TempDir()
	s, err := model.Open(context.Background(), dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, Env{DataDir: dir, Hostname: "desk01"}
}

func TestDefaultsAreValid(t *testing.T) {
	env := Env{DataDir: "/var/lib/patchdesk", Hostname: "desk01"}
	for _, d := range Defs {
		if d.ReadOnly != "" {
			continue
		}
		def := d.DefaultValue(env)
		got, err := Normalize(d, def)
		if err != nil {
			t.Errorf("%s: default %q is invalid: %v", d.Key, def, err)
		} else if got != def {
			t.Errorf("%s: default %q is not canonical (%q)", d.Key, def, got)
		}
		if !paneExists(d.Pane) {
			t.Errorf("%s: unknown pane %q", d.Key, d.Pane)
		}
	}
}

func paneExists(id string) bool {
	for _, p := range Panes {
		if p.ID == id {
			return true
		}
	}
	return false
}

func TestGuideDefaults(t *testing.T) {
	s, env := testEnv(t)
	v, err := Load(context.Background(), s.DB, env)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		KeyToLocation:        env.DataDir + "/packages",
		KeyFilterInterval:    "30m",
		KeyDefaultTarget:     DefaultTarget,
		KeyDeletePackages:    "1w",
		KeyTerminateAfter:    "4h",
		KeyReinstallAttempts: "3",
		KeyScanSchedule:      "every 4h",
		KeyScanOnlyIfChanged: "true",
		KeyImportSchedule:    "daily 01:00",
		KeyImportIncremental: "true",
		KeyImportDeleteExcl:  "false",
		KeyImportLanguages:   `["en"]`,
		KeyListenerAddress:   ":8443",
	}
	for k, w := range want {
		if got := v.Raw(k); got != w {
			t.Errorf("%s = %q, want the guide's default %q", k, got, w)
		}
	}
}

func TestSaveValidatesAndCanonicalises(t *testing.T) {
	s, env := testEnv(t)
	ctx := context.Background()
	changed, err := Save(ctx, s.DB, env, "t", map[string]string{
		KeyFilterInterval:  "1h",
		KeyImportLanguages: "de, EN ,de",
		KeyTerminateAfter:  "240m",
		KeyRunWithRights:   "Logged-on user",
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(changed, " ") != KeyImportLanguages+" "+KeyFilterInterval+" "+KeyRunWithRights {
		t.Errorf("changed = %v (terminate_after 240m equals the default 4h and must not count)", changed)
	}
	v, _ := Load(ctx, s.DB, env)
	if v.Raw(KeyImportLanguages) != `["de","en"]` || v.Raw(KeyRunWithRights) != "logged_on_user" || v.Duration(KeyFilterInterval).Minutes() != 60 {
		t.Errorf("stored values: %q %q %v", v.Raw(KeyImportLanguages), v.Raw(KeyRunWithRights), v.Duration(KeyFilterInterval))
	}
}

func TestBadValuesSaveNothing(t *testing.T) {
	s, env := testEnv(t)
	ctx := context.Background()
	tests := []struct {
		name    string
		changes map[string]string
	}{
		{"unknown key", map[string]string{"core.nope": "1", KeyFilterInterval: "1h"}},
		{"negative interval", map[string]string{KeyFilterInterval: "-5m"}},
		{"interval too short", map[string]string{KeyFilterInterval: "10s"}},
		{"attempts out of range", map[string]string{KeyReinstallAttempts: "99"}},
		{"not a bool", map[string]string{KeyImportIncremental: "perhaps"}},
		{"bad schedule", map[string]string{KeyImportSchedule: "daily 26:00"}},
		{"bad language", map[string]string{KeyImportLanguages: "english!"}},
		{"empty languages", map[string]string{KeyImportLanguages: ""}},
		{"bad port", map[string]string{KeyListenerAddress: ":99999"}},
		{"relative path", map[string]string{KeyToLocation: "packages"}},
		{"specified user without account", map[string]string{KeyRunWithRights: "specified_user"}},
		{"no import location", map[string]string{KeyImportUseDefault: "false"}},
		{"read-only list", map[string]string{KeyCustomSeverities: "A,B"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := Revision(ctx, s.DB)
			if _, err := Save(ctx, s.DB, env, "t", tt.changes); err == nil {
				t.Fatalf("Save(%v) succeeded, want an error", tt.changes)
			} else if tt.name == "unknown key" && !errors.Is(err, ErrUnknownKey) {
				t.Fatalf("err = %v, want ErrUnknownKey", err)
			}
			after, _ := Revision(ctx, s.DB)
			if before != after {
				t.Fatal("a rejected save changed the settings")
			}
			var n int64
			s.DB.Model(&model.Setting{}).Count(&n)
			if n != 0 {
				t.Fatalf("%d settings rows stored by a rejected save", n)
			}
		})
	}
}

func TestResetAndRevision(t *testing.T) {
	s, env := testEnv(t)
	ctx := context.Background()
	r0, _ := Revision(ctx, s.DB)
	if _, err := Save(ctx, s.DB, env, "t", map[string]string{KeyHistoryDays: "30"}); err != nil {
		t.Fatal(err)
	}
	r1, _ := Revision(ctx, s.DB)
	if r0 == r1 {
		t.Fatal("revision did not change after a save")
	}
	if _, err := Reset(ctx, s.DB, env, "t", KeyHistoryDays); err != nil {
		t.Fatal(err)
	}
	v, _ := Load(ctx, s.DB, env)
	if !v.IsDefault(KeyHistoryDays) {
		t.Fatalf("after reset %s = %s", KeyHistoryDays, v.Raw(KeyHistoryDays))
	}
}
