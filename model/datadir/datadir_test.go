package datadir

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolveOrder(t *testing.T) {
	t.Setenv(EnvVar, "/from/env")
	if got, _ := Resolve("/from/flag"); got != "/from/flag" {
		t.Errorf("flag: got %s", got)
	}
	if got, _ := Resolve(""); got != "/from/env" {
		t.Errorf("env: got %s", got)
	}
	t.Setenv(EnvVar, "")
	if got, _ := Resolve(""); !strings.HasSuffix(got, "PatchDesk") || !filepath.IsAbs(got) {
		t.Errorf("default: got %s", got)
	}
}

func TestPrepareUnwritable(t *testing.T) {
	parent := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(parent, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := Prepare(filepath.Join(parent, "data"))
	if err == nil || !strings.Contains(err.Error(), parent) {
		t.Fatalf("Prepare under a file: err = %v, want an error naming the path", err)
	}
	if b, _ := os.ReadFile(parent); string(b) != "x" {
		t.Fatal("the file in the way was changed")
	}
}

func TestOneHostPerDataDir(t *testing.T) {
	dir := t.TempDir()
	first, err := LockHost(dir, "gui")
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockHost(dir, "serve")
	var running *HostRunningError
	if !errors.As(err, &running) || running.Other.PID != os.Getpid() || running.Other.Mode != "gui" {
		t.Fatalf("second host: err = %v, want HostRunningError naming pid %d (gui)", err, os.Getpid())
	}
	if ok, info := HostRunning(dir); !ok || info.PID != os.Getpid() {
		t.Fatalf("HostRunning = %v %+v", ok, info)
	}
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	again, err := LockHost(dir, "serve")
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	again.Release()
}
