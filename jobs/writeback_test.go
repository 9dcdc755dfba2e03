package jobs

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// A resumed download appends after what is on disk; the writeback calls in between must not
// move or lose a byte.
func TestWritebackFileAppendsAcrossChunks(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pkg.part")
	head := []byte("already here")
	if err := os.WriteFile(p, head, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		t.Fatal(err)
	}
	w, err := newWritebackFile(f)
	if err != nil {
		t.Fatal(err)
	}
	body := payload(3, writebackChunk+writebackChunk/2)
	for rest := body; len(rest) > 0; {
		n := min(len(rest), 3<<20)
		if _, err := w.Write(rest[:n]); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
	if w.unsynced == int64(len(head)) {
		t.Errorf("no writeback was started after %d bytes", len(body))
	}
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := append(head, body...); !bytes.Equal(got, want) {
		t.Fatalf("file has %d bytes, want %d, or differs in content", len(got), len(want))
	}
}
