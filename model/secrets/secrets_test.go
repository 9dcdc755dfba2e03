package secrets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	dir := t.TempDir()
	sealed, err := Seal(dir, "Pa55 wörd")
	if err != nil {
		t.Fatal(err)
	}
	if !IsSealed(sealed) || strings.Contains(sealed, "Pa55") {
		t.Fatalf("sealed value %q", sealed)
	}
	again, _ := Seal(dir, "Pa55 wörd")
	if again == sealed {
		t.Error("two seals of one value are equal: the nonce is not fresh")
	}
	if got, err := Open(dir, sealed); err != nil || got != "Pa55 wörd" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	// Another data dir's key cannot open it; a damaged value is refused.
	if _, err := Open(t.TempDir(), sealed); err == nil {
		t.Error("opened without the key")
	}
	other := t.TempDir()
	Seal(other, "x")
	if _, err := Open(other, sealed); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("another key: %v", err)
	}
	if _, err := Open(dir, sealed[:len(sealed)-2]+"AA"); err == nil {
		t.Error("opened a damaged value")
	}
	if _, err := Open(dir, "plain"); err == nil {
		t.Error("opened plain text")
	}
}
