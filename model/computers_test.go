package model

import (
	"context"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"patchdesk/model/inventory"
)

func hash(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

func TestEnrolSpendsTokenUses(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	now := time.Now().UTC()
	if err := s.CreateEnrolToken(ctx, EnrolToken{ID: "t1", SecretHash: hash("s"), CreatedAt: now, ExpiresAt: now.Add(time.Hour), Uses: 2, UsesLeft: 2}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateEnrolToken(ctx, EnrolToken{ID: "old", SecretHash: hash("s"), CreatedAt: now, ExpiresAt: now.Add(-time.Second), Uses: 1, UsesLeft: 1}); err != nil {
		t.Fatal(err)
	}
	enrol := func(token, secret, host string) (Computer, error) {
		return s.Enrol(ctx, Enrolment{TokenID: token, SecretHash: hash(secret), Hostname: host, OSFamily: "windows",
			CredentialHash: hash("cred-" + host), Now: now, Address: "127.0.0.1"})
	}
	tests := []struct {
		name, token, secret, host string
		want                      error
	}{
		{"first use", "t1", "s", "PC-1", nil},
		{"wrong secret", "t1", "x", "PC-2", ErrTokenInvalid},
		{"unknown token", "nope", "s", "PC-2", ErrTokenInvalid},
		{"expired", "old", "s", "PC-2", ErrTokenExpired},
		{"second use re-enrols PC-1", "t1", "s", "PC-1", nil},
		{"used up", "t1", "s", "PC-3", ErrTokenUsedUp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := enrol(tt.token, tt.secret, tt.host)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Enrol(%s, %s, %s) = %v, want %v", tt.token, tt.secret, tt.host, err, tt.want)
			}
		})
	}
	cs, err := s.Computers(ctx, ComputerQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].Name != "PC-1" {
		t.Fatalf("computers = %+v, want PC-1 only (a re-enrolment takes the computer over)", cs)
	}
}

func TestInventoryRevokeDelete(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	now := time.Now().UTC()
	s.CreateEnrolToken(ctx, EnrolToken{ID: "t", SecretHash: hash("s"), CreatedAt: now, ExpiresAt: now.Add(time.Hour), Uses: 5, UsesLeft: 5})
	c, err := s.Enrol(ctx, Enrolment{TokenID: "t", SecretHash: hash("s"), Hostname: "pc", OSFamily: "windows", CredentialHash: hash("c"), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	inv := &inventory.Inventory{Hostname: "PC", IPs: []string{"10.0.0.5"}, OS: inventory.OS{Family: "windows", Name: "Windows 10 Pro", Build: 19045, UBR: 3803},
		KBs: []string{"KB5034441"}}
	blob, err := EncodeInventory(inv)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.SaveInventories(ctx, []InventoryRecord{{ComputerID: c.ID, Inventory: inv, Digest: inv.Digest(), Blob: blob, At: now},
		{ComputerID: 999, Inventory: inv, Digest: inv.Digest(), Blob: blob, At: now}})
	if err != nil || res[0] != nil || !errors.Is(res[1], ErrNotFound) {
		t.Fatalf("SaveInventories = %v, %v; want [nil, ErrNotFound]", res, err)
	}
	views, err := s.Computers(ctx, ComputerQuery{WithInventory: true})
	if err != nil || len(views) != 1 {
		t.Fatalf("Computers = %v, %v", views, err)
	}
	v := views[0]
	if v.Name != "PC" || v.OSBuild != 19045 || v.Inventory == nil || !v.Inventory.HasKB("5034441") || v.IPs[0] != "10.0.0.5" {
		t.Errorf("stored computer = %+v, inventory %+v", v.Computer, v.Inventory)
	}
	if err := s.AddAgentEvents(ctx, []AgentEvent{{ComputerID: c.ID, At: now, ReceivedAt: now, Severity: "info", Kind: "scan"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeComputer(ctx, "t", c.ID); err != nil {
		t.Fatal(err)
	}
	auths, _ := s.AgentAuths(ctx, c.ID)
	if len(auths) != 1 || !auths[0].Revoked {
		t.Fatalf("after revoke: %+v", auths)
	}
	if err := s.DeleteComputer(ctx, "t", c.ID); err != nil {
		t.Fatal(err)
	}
	if es, _ := s.AgentEvents(ctx, c.ID, 10); len(es) != 0 {
		t.Errorf("events survived their computer: %+v", es)
	}
	changes, _ := s.ComputerChanges(ctx, 0)
	if len(changes) != 2 || changes[0].Kind != ChangeRevoke || changes[1].Kind != ChangeDelete {
		t.Errorf("changes = %+v, want revoke then delete", changes)
	}
	if err := s.DeleteComputer(ctx, "t", c.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete = %v, want ErrNotFound", err)
	}
}
