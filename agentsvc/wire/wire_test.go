package wire

import (
	"errors"
	"strings"
	"testing"
	"time"

	"patchdesk/model/inventory"
)

func TestTokenRoundTrip(t *testing.T) {
	tok := Token{URLs: []string{"https://patchhost:8443", "https://10.0.0.2:8443"}, CAFingerprint: strings.Repeat("ab", 32), ID: "0a1b2c3d4e5f", Secret: "s3cr3t"}
	got, err := ParseToken(tok.String())
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != tok.String() || got.EnrolSecret() != "0a1b2c3d4e5f.s3cr3t" {
		t.Fatalf("round trip = %+v, want %+v", got, tok)
	}
}

func TestParseTokenRejects(t *testing.T) {
	good := Token{URLs: []string{"https://h:8443"}, CAFingerprint: strings.Repeat("0", 64), ID: "id", Secret: "s"}
	tests := []struct {
		name string
		tok  string
	}{
		{"no prefix", "hello"},
		{"not base64", "pdt1.***"},
		{"http URL", Token{URLs: []string{"http://h:8443"}, CAFingerprint: good.CAFingerprint, ID: "id", Secret: "s"}.String()},
		{"no URL", Token{CAFingerprint: good.CAFingerprint, ID: "id", Secret: "s"}.String()},
		{"short fingerprint", Token{URLs: good.URLs, CAFingerprint: "abc", ID: "id", Secret: "s"}.String()},
		{"no secret", Token{URLs: good.URLs, CAFingerprint: good.CAFingerprint, ID: "id"}.String()},
		{"dot in id", Token{URLs: good.URLs, CAFingerprint: good.CAFingerprint, ID: "a.b", Secret: "s"}.String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseToken(tt.tok); !errors.Is(err, ErrBadToken) {
				t.Errorf("ParseToken(%q) = %v, want ErrBadToken", tt.tok, err)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	valid := inventory.Inventory{Hostname: "PC", OS: inventory.OS{Family: "windows"}, KBs: []string{"KB5034441"}}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"valid inventory", ValidateInventory(&valid), ""},
		{"no hostname", ValidateInventory(&inventory.Inventory{OS: inventory.OS{Family: "windows"}}), "hostname is required"},
		{"bad KB", ValidateInventory(&inventory.Inventory{Hostname: "PC", OS: inventory.OS{Family: "windows"}, KBs: []string{"KBx"}}), "not a KB"},
		{"unnamed software", ValidateInventory(&inventory.Inventory{Hostname: "PC", OS: inventory.OS{Family: "macos"}, Software: []inventory.Software{{}}}), "software[0].name"},
		{"invalid UTF-8", ValidateInventory(&inventory.Inventory{Hostname: "PC\xff", OS: inventory.OS{Family: "linux"}}), "UTF-8"},
		{"enrol ok", EnrolRequest{Token: "a.b", Hostname: "PC", OSFamily: "linux"}.Validate(), ""},
		{"enrol without token", EnrolRequest{Hostname: "PC", OSFamily: "linux"}.Validate(), "token is required"},
		{"checkin upper-case digest", CheckinRequest{InventoryDigest: strings.Repeat("A", 64)}.Validate(), "hex"},
		{"events too many", EventsRequest{Events: make([]Event, MaxEventsPerPost+1)}.Validate(), "at most"},
		{"event ok", EventsRequest{Events: []Event{{At: time.Now(), Severity: "info", Kind: "scan"}}}.Validate(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want == "" && tt.err != nil || tt.want != "" && (tt.err == nil || !strings.Contains(tt.err.Error(), tt.want)) {
				t.Errorf("got %v, want %q", tt.err, tt.want)
			}
		})
	}
}

// FuzzParseToken: no input panics, and an accepted token survives a round trip.
func FuzzParseToken(f *testing.F) {
	f.Add(Token{URLs: []string{"https://h:8443"}, CAFingerprint: strings.Repeat("0", 64), ID: "id", Secret: "s"}.String())
	f.Add("pdt1.e30")
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := ParseToken(s)
		if err != nil {
			return
		}
		again, err := ParseToken(tok.String())
		if err != nil || again.String() != tok.String() {
			t.Fatalf("round trip of %q: %v", s, err)
		}
	})
}
