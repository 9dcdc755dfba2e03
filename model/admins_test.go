package model

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func openAdminStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSetAdminPasswordValidates(t *testing.T) {
	s := openAdminStore(t)
	cases := []struct {
		name, user, password, wantErr string
	}{
		{"short password", "alice", "short", "use at least 12"},
		{"empty name", "", "a long enough password", "administrator name"},
		{"space in name", "al ice", "a long enough password", "administrator name"},
		{"too long", "alice", strings.Repeat("x", 1025), "longer than 1024"},
		{"not UTF-8", "alice", "\xff\xfe" + strings.Repeat("x", 12), "not valid UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.SetAdminPassword(context.Background(), "test", c.user, c.password)
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("SetAdminPassword(%q, %d bytes) = %v, want %q", c.user, len(c.password), err, c.wantErr)
			}
		})
	}
	if admins, _ := s.Admins(context.Background()); len(admins) != 0 {
		t.Fatalf("refused passwords created %d administrators", len(admins))
	}
}

func TestAdminSignIn(t *testing.T) {
	s := openAdminStore(t)
	ctx := context.Background()
	created, err := s.SetAdminPassword(ctx, "root@cli", "Alice", "correct horse battery")
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	if stored, _ := s.Admins(ctx); len(stored) != 1 || !strings.HasPrefix(stored[0].PasswordHash, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("stored = %+v", stored)
	}
	cases := []struct {
		name, user, password string
		wantErr              error
	}{
		{"right", "Alice", "correct horse battery", nil},
		{"name in other case", "alice", "correct horse battery", nil},
		{"wrong password", "Alice", "correct horse batterY", ErrBadCredentials},
		{"unknown name", "bob", "correct horse battery", ErrBadCredentials},
		{"empty password", "Alice", "", ErrBadCredentials},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := s.CheckAdminPassword(ctx, c.user, c.password)
			if !errors.Is(err, c.wantErr) || (err == nil && a.Name != "Alice") {
				t.Fatalf("CheckAdminPassword(%q, %q) = %+v, %v; want %v", c.user, c.password, a, err, c.wantErr)
			}
		})
	}
}

func TestAdminSessions(t *testing.T) {
	s := openAdminStore(t)
	ctx := context.Background()
	s.SetAdminPassword(ctx, "test", "alice", "correct horse battery")
	a, err := s.CheckAdminPassword(ctx, "alice", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	token, sess, err := s.NewAdminSession(ctx, a.ID, now.Add(time.Hour), "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if sess.TokenHash == token || len(sess.CSRFToken) < 40 {
		t.Fatalf("session stores its token in clear or has a weak CSRF token: %+v", sess)
	}
	var n int64
	s.DB.Model(&AdminSession{}).Where("token_hash = ? OR csrf_token = ?", token, token).Count(&n)
	if n != 0 {
		t.Fatal("the session token is stored in clear")
	}
	cases := []struct {
		name      string
		token     string
		now, idle time.Time
		ok        bool
	}{
		{"live", token, now, now.Add(-time.Hour), true},
		{"unknown token", token + "x", now, now.Add(-time.Hour), false},
		{"expired", token, now.Add(2 * time.Hour), now.Add(-time.Hour), false},
		{"idle too long", token, now, now.Add(time.Minute), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, admin, err := s.AdminSessionByToken(ctx, c.token, c.now, c.idle)
			if ok := err == nil; ok != c.ok {
				t.Fatalf("AdminSessionByToken = %v; want ok=%v", err, c.ok)
			}
			if c.ok && (admin.Name != "alice" || got.CSRFToken != sess.CSRFToken) {
				t.Fatalf("session of %q, csrf %q", admin.Name, got.CSRFToken)
			}
		})
	}
	// A new password signs every session out.
	if _, err := s.SetAdminPassword(ctx, "test", "ALICE", "another long password"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AdminSessionByToken(ctx, token, now, now.Add(-time.Hour)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("session after a password change: %v", err)
	}
	token2, _, _ := s.NewAdminSession(ctx, a.ID, now.Add(time.Hour), "")
	if err := s.EndAdminSession(ctx, token2); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AdminSessionByToken(ctx, token2, now, now.Add(-time.Hour)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("session after sign-out: %v", err)
	}
	s.NewAdminSession(ctx, a.ID, now.Add(-time.Minute), "")
	if pruned, err := s.PruneAdminSessions(ctx, now); err != nil || pruned != 1 {
		t.Fatalf("pruned %d, %v", pruned, err)
	}
	if err := s.RemoveAdmin(ctx, "test", "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CheckAdminPassword(ctx, "alice", "another long password"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("removed administrator signs in: %v", err)
	}
	if err := s.RemoveAdmin(ctx, "test", "alice"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("removing twice: %v", err)
	}
	trail, _ := s.AuditTrail(ctx, "admin:", 10)
	if len(trail) != 3 {
		t.Fatalf("audit trail has %d entries, want add, set password, remove", len(trail))
	}
}
