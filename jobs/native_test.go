package jobs

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"patchdesk/model"
)

// writeCatalog writes parts into a map FS the way mkcatalog writes a folder.
func writeCatalog(t testing.TB, parts []NativePart) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	err := WriteNativeCatalog(parts, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), "test", func(name string, data []byte) error {
		fsys[name] = &fstest.MapFile{Data: data}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fsys
}

func seedParts(t testing.TB) []NativePart {
	f, err := os.Open("testdata/seeds/cvrf-2024-Jan-excerpt.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := readCVRF(context.Background(), "seed", f)
	if err != nil {
		t.Fatal(err)
	}
	return []NativePart{{Path: "msrc/2024-01.json", Bulletins: cvrfBulletins([]*cvrfDoc{doc})}}
}

func TestNativeRoundTripFolderAndHTTP(t *testing.T) {
	fsys := writeCatalog(t, seedParts(t))
	dir := t.TempDir()
	for name, f := range fsys {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	for _, loc := range []string{dir, filepath.Join(dir, "index.json"), srv.URL, srv.URL + "/index.json"} {
		units, err := sourceOpener{client: srv.Client()}.units(context.Background(), loc)
		if err != nil {
			t.Fatalf("%s: %v", loc, err)
		}
		if len(units) != 1 || units[0].name != "msrc/2024-01.json" || len(units[0].digest) != 64 {
			t.Fatalf("%s: units = %+v", loc, units)
		}
		bs, err := units[0].read(context.Background())
		if err != nil || len(bs) != 1 || bs[0].ID != "KB5034127" || len(bs[0].Updates) != 2 {
			t.Fatalf("%s: read = %+v, %v", loc, bs, err)
		}
		if bs[0].Updates[0].Installed == nil || bs[0].Updates[0].Installed.Op != "any" {
			t.Errorf("%s: rules did not survive the round trip: %+v", loc, bs[0].Updates[0])
		}
	}
}

func TestNativeErrors(t *testing.T) {
	fsys := writeCatalog(t, seedParts(t))
	part := fsys["msrc/2024-01.json"].Data
	index := string(fsys["index.json"].Data)
	tests := []struct {
		name  string
		index string
		part  []byte
		want  string
	}{
		{"truncated part", index, part[:len(part)-40], "truncated"},
		{"changed part", index, bytes.Replace(part, []byte("Critical"), []byte("Moderate"), 1), "SHA-256"},
		{"newer version", strings.Replace(index, `"version": 1`, `"version": 9`, 1), part, "version 9"},
		{"escaping path", strings.Replace(index, `"msrc/2024-01.json"`, `"../secret.json"`, 1), part, "not a clean path"},
		{"bad digest", strings.Replace(index, `"sha256": "`, `"sha256": "zz`, 1), part, "sha256"},
		{"not json", "<html>", part, "not a PatchDesk catalog index"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := fstest.MapFS{"index.json": {Data: []byte(tt.index)}, "msrc/2024-01.json": {Data: tt.part}}
			units, err := nativeUnits(context.Background(), "cat", fsFetcher{bad})
			if err == nil {
				_, err = units[0].read(context.Background())
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestNativeSizeLimit(t *testing.T) {
	defer func(old int64) { maxPartSize = old }(maxPartSize)
	maxPartSize = 1 << 20
	huge := &repeatReader{b: ' ', n: 2 << 30} // a 2 GB file

	_, err := readNativePart(context.Background(), "big.json", huge, "", 0)
	if err == nil || !strings.Contains(err.Error(), "big.json") {
		t.Fatalf("error = %v, want a size error naming big.json", err)
	}
}

// repeatReader yields n copies of b without allocating them.
type repeatReader struct {
	b byte
	n int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, os.ErrClosed
	}
	k := min(int64(len(p)), r.n)
	for i := range k {
		p[i] = r.b
	}
	r.n -= k
	return int(k), nil
}

func FuzzNativePart(f *testing.F) {
	fsys := writeCatalog(f, seedParts(f))
	f.Add(fsys["msrc/2024-01.json"].Data)
	f.Add([]byte(`{"format":"patchdesk-catalog-part","version":1,"bulletins":[]}`))
	f.Add([]byte(`{"bulletins":[{"id":"x"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		bs, err := readNativePart(context.Background(), "fuzz.json", bytes.NewReader(data), "", 0)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.json") && err != context.Canceled {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, b := range bs {
			if err := b.Validate(); err != nil {
				t.Fatalf("reader returned an invalid bulletin: %v", err)
			}
		}
		var _ []model.CatalogBulletin = bs
	})
}
