package simulate

import (
	"io/fs"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"patchdesk/assets"
	"patchdesk/model/inventory"
	"patchdesk/model/rules"
)

func snapshotProfile(t *testing.T) ([]Bulletin, *profile) {
	t.Helper()
	bulletins, err := ReadCatalog(assets.Catalog())
	if err != nil {
		t.Fatalf("ReadCatalog(snapshot): %v", err)
	}
	p, err := newProfile(bulletins)
	if err != nil {
		t.Fatalf("newProfile(snapshot): %v", err)
	}
	return bulletins, p
}

// state decides an update as the host's compliance does (model/compliance_eval.go): applicable
// and installed, or past the fix on the same release (applicable with its ceilings lifted).
func state(u Update, inv *inventory.Inventory) string {
	if u.Applicable == nil || u.Installed == nil {
		return ""
	}
	switch u.Applicable.Eval(inv) {
	case rules.True:
		switch u.Installed.Eval(inv) {
		case rules.True:
			return "installed"
		case rules.False:
			return "not_installed"
		}
	case rules.False:
		if lift(*u.Applicable, false).Eval(inv) == rules.True && u.Installed.Eval(inv) == rules.True {
			return "installed"
		}
	}
	return ""
}

func lift(r rules.Rule, negated bool) rules.Rule {
	out := r
	switch r.Op {
	case rules.All, rules.Any, rules.Not:
		out.Rules = make([]rules.Rule, len(r.Rules))
		for i, c := range r.Rules {
			out.Rules[i] = lift(c, negated != (r.Op == rules.Not))
		}
	case rules.OS, rules.Product:
		if !negated && r.Below != "" {
			parts := strings.Split(r.Min, ".")
			n, err := strconv.Atoi(parts[len(parts)-1])
			if r.Min == "" || err != nil {
				out.Below = ""
			} else {
				parts[len(parts)-1] = strconv.Itoa(n + 1)
				out.Below = strings.Join(parts, ".")
			}
		}
	}
	return out
}

func TestFleetFromSnapshotHasInstalledAndMissing(t *testing.T) {
	bulletins, p := snapshotProfile(t)
	t.Logf("%d Windows releases, %d applications", len(p.images), len(p.apps))
	fleet := make([]inventory.Inventory, 1000)
	for i := range fleet {
		fleet[i] = p.inventory(machine{seed: uint64(i + 1)}, "SIM-"+strconv.Itoa(i+1), "test")
	}
	isCumulative := func(b Bulletin, u Update) bool {
		return u.Installed != nil && u.Installed.Op == rules.Any && strings.Contains(u.Installed.String(), `"op":"os"`)
	}
	isWinget := func(b Bulletin, u Update) bool { return strings.HasPrefix(b.Part, "winget/") }
	for _, tc := range []struct {
		name string
		kind func(Bulletin, Update) bool
	}{
		{"Windows cumulative update", isCumulative},
		{"winget application", isWinget},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen, mixed := 0, ""
			for _, b := range bulletins {
				for _, u := range b.Updates {
					if !tc.kind(b, u) {
						continue
					}
					seen++
					counts := map[string]int{}
					for i := range fleet {
						counts[state(u, &fleet[i])]++
					}
					if counts["installed"] > 0 && counts["not_installed"] > 0 {
						mixed = u.ID + " " + strconv.Itoa(counts["installed"]) + " installed, " + strconv.Itoa(counts["not_installed"]) + " not installed"
					}
				}
			}
			if seen == 0 {
				t.Fatalf("the snapshot has no %s", tc.name)
			}
			if mixed == "" {
				t.Fatalf("none of %d updates (%s) is both installed and not installed on 1000 simulated PCs", seen, tc.name)
			}
			t.Log(mixed)
		})
	}
}

func TestInventoryIsDeterministic(t *testing.T) {
	_, p := snapshotProfile(t)
	for _, tc := range []struct {
		a, b machine
		same bool
	}{
		{machine{seed: 7}, machine{seed: 7}, true},
		{machine{seed: 7, generation: 3}, machine{seed: 7, generation: 3}, true},
		{machine{seed: 7}, machine{seed: 7, generation: 1}, false},
		{machine{seed: 7}, machine{seed: 8}, false},
	} {
		a, b := p.inventory(tc.a, "PC", "1"), p.inventory(tc.b, "PC", "1")
		if got := a.Digest() == b.Digest(); got != tc.same {
			t.Errorf("%+v and %+v: same digest %v, want %v", tc.a, tc.b, got, tc.same)
		}
	}
}

func TestReadCatalogRefusesDamage(t *testing.T) {
	good := fstest.MapFS{}
	err := fs.WalkDir(assets.Catalog(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(assets.Catalog(), path)
		good[path] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	damaged := func(path string, edit func([]byte) []byte) fstest.MapFS {
		m := fstest.MapFS{}
		for k, v := range good {
			m[k] = v
		}
		m[path] = &fstest.MapFile{Data: edit(append([]byte(nil), good[path].Data...))}
		return m
	}
	for _, tc := range []struct {
		name string
		fsys fs.FS
		want string // in the error; "" for none
	}{
		{"snapshot", good, ""},
		{"part changed", damaged("winget/7zip.7zip.json", func(b []byte) []byte { b[len(b)/2] ^= 1; return b }), "SHA-256"},
		{"part longer", damaged("winget/7zip.7zip.json", func(b []byte) []byte { return append(b, ' ') }), "winget/7zip.7zip.json"},
		{"index version", damaged("index.json", func(b []byte) []byte {
			return []byte(strings.Replace(string(b), `"version": 1`, `"version": 2`, 1))
		}), "version 2"},
		{"no index", fstest.MapFS{}, "index.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadCatalog(tc.fsys)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("ReadCatalog: %v, want no error", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("ReadCatalog: %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}
