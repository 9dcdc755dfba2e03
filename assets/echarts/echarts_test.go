package echarts

import (
	"bytes"
	"errors"
	"testing"
	"testing/fstest"
)

func TestScript(t *testing.T) {
	cases := []struct {
		name    string
		fsys    fstest.MapFS
		wantErr error
	}{
		{"fresh clone", fstest.MapFS{"README.md": {Data: []byte("#")}}, ErrMissing},
		{"empty file", fstest.MapFS{File: {Data: nil}}, ErrMissing},
		{"fetched", fstest.MapFS{File: {Data: []byte("var echarts;")}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := script(c.fsys)
			if !errors.Is(err, c.wantErr) || (err == nil && len(b) == 0) {
				t.Fatalf("script() = %d bytes, %v; want error %v", len(b), err, c.wantErr)
			}
		})
	}
}

// TestEmbedded checks the build this test runs in: after `make assets` the real script is in.
func TestEmbedded(t *testing.T) {
	b, err := Script()
	if errors.Is(err, ErrMissing) {
		t.Fatal(err)
	}
	if err != nil || !bytes.Contains(b, []byte("echarts")) || len(b) < 100_000 {
		t.Fatalf("embedded script: %d bytes, %v", len(b), err)
	}
}
